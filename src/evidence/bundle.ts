// Renders a hit and its frames into the bundle's files (originals, annotated and redacted
// copies, optional clip) and writes the manifest. Nothing here knows about chains or storage:
// service.ts supplies the chain position and stores the result.
import type { Detector } from '../inference/types.ts';
import { annotateJpeg, formatTime, ROLE_NAMES, RULE_NAMES } from './annotate.ts';
import { canonicalBytes } from './canonical-json.ts';
import { clipFps, makeClip } from './clip.ts';
import { sha256Hex } from './hash.ts';
import type { KeyRing } from './keys.ts';
import { MANIFEST_FORMAT, type SignatureFileT } from './manifest.ts';
import { findFaces, obscureRegions } from './redact.ts';
import type { SealInput } from './types.ts';

export interface RenderOptions {
  faceDetector?: Detector;
  faceMinScore?: number;
  timeZone?: string;
  jpegQuality?: number;
}

/** The bundle's files and the manifest fields that do not depend on the chain. */
export interface RenderedBundle {
  files: Map<string, Buffer>;
  body: Record<string, unknown>;
}

export async function renderBundle(input: SealInput, bundleId: string, opts: RenderOptions = {}): Promise<RenderedBundle> {
  const { hit, camera } = input;
  const files = new Map<string, Buffer>();
  const zone = camera.zones.find((z) => z.id === hit.zoneId);
  const frames = [...input.frames].sort((a, b) => a.capturedAt - b.capturedAt);
  const ruleName = RULE_NAMES[hit.rule] ?? hit.rule;
  const place = [camera.location.district, camera.location.street, camera.location.address].filter(Boolean).join(' ');
  const faces: Array<{ frame: string; box: [number, number, number, number]; score: number }> = [];
  const manifestFrames = [];
  for (const [i, f] of frames.entries()) {
    const stem = `${String(i).padStart(2, '0')}-${f.role}`;
    const original = `frames/${stem}-original.jpg`;
    const annotated = `frames/${stem}-annotated.jpg`;
    files.set(original, f.jpeg);
    const detections = f.detections ?? (f.role === 'at' ? hit.detections : []);
    const header = [
      `${camera.name} (${camera.id})  ${place}`,
      `${ruleName}  ${formatTime(f.capturedAt, opts.timeZone)}  ${ROLE_NAMES[f.role] ?? f.role}`,
    ];
    const anno = await annotateJpeg(
      f.jpeg,
      { detections, zone: zone ? { polygon: zone.polygon, name: zone.name, ...('frontage' in zone ? { line: zone.frontage } : {}) } : undefined, header },
      opts.jpegQuality,
    );
    files.set(annotated, anno);
    const entry: { role: string; capturedAt: number; original: string; annotated: string; redacted?: string } = {
      role: f.role,
      capturedAt: f.capturedAt,
      original,
      annotated,
    };
    if (opts.faceDetector) {
      const found = await findFaces(f.jpeg, opts.faceDetector, opts.faceMinScore ?? 0.6);
      for (const face of found) faces.push({ frame: original, box: face.box, score: face.score });
      entry.redacted = `redacted/${stem}.jpg`;
      files.set(entry.redacted, await obscureRegions(anno, found.map((x) => x.box), 'face', 0.2, opts.jpegQuality ?? 85));
    }
    manifestFrames.push(entry);
  }
  let clip: { file: string; fps: number; frames: number; facesObscured?: number } | null = null;
  if (input.clip) {
    const src = [...(input.clipFrames ?? frames)].sort((a, b) => a.capturedAt - b.capturedAt);
    const fps = Number(clipFps(src.map((f) => f.capturedAt)).toFixed(3));
    // With redaction on, the clip (a review aid, served as sealed) shows no face: each frame is
    // obscured as the redacted stills are; the original stills stay the legal record.
    let facesObscured = 0;
    const jpegs: Buffer[] = [];
    for (const f of src) {
      const found = opts.faceDetector ? await findFaces(f.jpeg, opts.faceDetector, opts.faceMinScore ?? 0.6) : [];
      facesObscured += found.length;
      jpegs.push(found.length ? await obscureRegions(f.jpeg, found.map((x) => x.box), 'face', 0.2, opts.jpegQuality ?? 85) : f.jpeg);
    }
    files.set('clip.mp4', await makeClip(jpegs, { fps }));
    clip = { file: 'clip.mp4', fps, frames: src.length, ...(opts.faceDetector ? { facesObscured } : {}) };
  }
  const body = {
    format: MANIFEST_FORMAT,
    bundleId,
    hit: {
      hitId: hit.hitId,
      seq: hit.seq,
      event: hit.event,
      rule: hit.rule,
      ruleName,
      zoneId: hit.zoneId,
      startedAt: hit.startedAt,
      at: hit.at,
      score: hit.score,
      thresholds: hit.thresholds,
      // The place goes with the attributes, as in bundles sealed before hits carried it apart.
      attributes: { ...hit.attributes, box: hit.place.box, frameSize: hit.place.frameSize },
    },
    camera: {
      id: camera.id,
      name: camera.name,
      location: camera.location,
      zone: zone ? { id: zone.id, type: zone.type, name: zone.name, polygon: zone.polygon, ...('frontage' in zone ? { frontage: zone.frontage, streetSide: zone.streetSide } : {}) } : null,
    },
    models: input.models.map((m) => ({ id: m.id, kind: m.kind, sha256: m.sha256, version: m.version })),
    detections: hit.detections,
    frames: manifestFrames,
    clip,
    redaction: opts.faceDetector
      ? { modelId: opts.faceDetector.modelId, minScore: opts.faceMinScore ?? 0.6, faces }
      : null,
  };
  return { files, body };
}

export interface SealedFiles {
  files: Map<string, Buffer>;
  manifestSha256: string;
  bytes: number;
}

/** Adds chain position, file hashes and signer to the manifest, and signs it. */
export function sealBundle(
  rendered: RenderedBundle,
  chain: { cameraId: string; height: number; prevBundleHash: string | null },
  sealedAt: number,
  keys: KeyRing,
): SealedFiles {
  const fileHashes: Record<string, { sha256: string; bytes: number }> = {};
  for (const [name, buf] of rendered.files) fileHashes[name] = { sha256: sha256Hex(buf), bytes: buf.length };
  const keyId = keys.activeKeyId;
  if (!keyId) throw new Error('keyring has no active signing key');
  const manifest = canonicalBytes({ ...rendered.body, sealedAt, chain, files: fileHashes, signer: { alg: 'Ed25519', keyId } });
  const manifestSha256 = sha256Hex(manifest);
  const s = keys.sign(manifest);
  const signature: SignatureFileT = { alg: s.alg, keyId: s.keyId, manifestSha256, sig: s.sig };
  const files = new Map(rendered.files);
  files.set('manifest.json', manifest);
  files.set('signature.json', canonicalBytes(signature));
  let bytes = 0;
  for (const b of files.values()) bytes += b.length;
  return { files, manifestSha256, bytes };
}
