// Personal data in evidence stills (数据脱敏): where the API masks a plate or a phone number in
// text for a caller without `pii:read`, the stills it shows that caller must not show them
// either. The reading stage puts its boxes on the hit (src/contracts/attributes.ts: a plate
// vote's `box`, a phone reading's line `boxes`, source pixels); each view of a still to such a
// caller is a derived copy with those regions mosaicked and blurred. The sealed originals are
// untouched; only `evidence:download` (roles that all have `pii:read`) serves them.
import type { Box } from '../inference/types.ts';
import { obscureRegions } from '../evidence/redact.ts';

const isBox = (v: unknown): v is Box =>
  Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && v[2] > v[0] && v[3] > v[1];

/**
 * The regions (source pixels) of personal data the reading stage located on a case's hit:
 * the voted plate's box (parking, spillage) and the text lines each phone number was read
 * from (ads). Attributes of other shapes, or readings without boxes (hits from before the
 * boxes were recorded), give none.
 */
export function piiRegions(attributes: Record<string, unknown> | undefined): Box[] {
  const out: Box[] = [];
  const plate = attributes?.plate as { box?: unknown } | undefined;
  if (plate && typeof plate === 'object' && isBox(plate.box)) out.push(plate.box);
  const phones = attributes?.phones;
  if (Array.isArray(phones)) for (const p of phones) for (const b of (p as { boxes?: unknown[] })?.boxes ?? []) if (isBox(b)) out.push(b);
  return out;
}

/**
 * A copy of `jpeg` with `regions` (source pixels; the stills are the source frames) mosaicked
 * and blurred (src/evidence/redact.ts, style `text`, margin 0.35 of the region's height),
 * clipped to the image. Throws only on an undecodable image.
 */
export function maskRegions(jpeg: Buffer, regions: Box[]): Promise<Buffer> {
  return obscureRegions(jpeg, regions, 'text', 0.35, 92);
}
