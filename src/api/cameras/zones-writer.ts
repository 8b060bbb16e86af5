// Writes a camera's zones back into its streams-config YAML through the yaml Document API,
// so comments, key order and the other cameras stay as the engineer wrote them.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { isMap, isSeq, parseDocument } from 'yaml';
import type { z } from 'zod';
import { Camera, Zone, type ZoneT } from '../../config/schema.ts';

export class ZoneWriteError extends Error {}

export async function writeZones(file: string, cameraId: string, zones: ZoneT[]): Promise<void> {
  const text = await readFile(file, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ZoneWriteError(`${file} does not parse: ${doc.errors[0].message}`);
  const cams = doc.get('cameras', true);
  if (!isSeq(cams)) throw new ZoneWriteError(`${file} has no cameras list`);
  const cam = cams.items.find((item) => isMap(item) && item.get('id') === cameraId);
  if (!isMap(cam)) throw new ZoneWriteError(`camera ${cameraId} not found in ${file}`);

  // Only the fields a person edits in the zone editor are written; defaults stay implicit.
  const plain = zones.map((z) => stripDefaults(z));
  const node = doc.createNode(plain);
  // Polygons and lines read best on one line each: [[x, y], ...].
  node.items.forEach((zn) => {
    for (const key of POINT_LISTS) {
      const pts = isMap(zn) ? zn.get(key, true) : undefined;
      if (isSeq(pts)) pts.flow = true;
    }
  });
  cam.set('zones', node);

  // Re-validate the edited camera before anything touches the disk.
  const check = Camera.safeParse(cam.toJSON());
  if (!check.success) throw new ZoneWriteError(check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));

  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, doc.toString({ lineWidth: 0 }));
  await rename(tmp, file);
}

/** Keys holding normalised points (a zone's polygon, a shop's frontage line). */
const POINT_LISTS = ['polygon', 'frontage'];

/**
 * Drops fields equal to the schema default for the zone's type, so the YAML stays short. A
 * field's default is what its schema makes of an absent value (types with required fields
 * of their own, like a shop's frontage line, cannot be parsed from an id and a polygon alone).
 */
function stripDefaults(zone: ZoneT): Record<string, unknown> {
  const shape: Record<string, z.ZodType> = Zone.options.find((o) => o.shape.type.value === zone.type)!.shape;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(zone)) {
    const d = k === 'id' || k === 'type' ? undefined : shape[k]?.safeParse(undefined);
    if (d?.success && d.data !== undefined && JSON.stringify(v) === JSON.stringify(d.data)) continue;
    out[k] = POINT_LISTS.includes(k) ? (v as Array<[number, number]>).map(([x, y]) => [round(x), round(y)]) : v;
  }
  return out;
}

const round = (v: number) => Math.round(v * 10000) / 10000;
