// Shared test material: real JPEG frames cut from ../shared/data/vtest.avi with ffmpeg, a
// camera config and a hit like analytics produces.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Camera, type CameraConfig } from '../../src/config/schema.ts';
import type { HitEventT } from '../../src/contracts/hit.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import type { EvidenceFrame } from '../../src/evidence/types.ts';

export const DATA = path.resolve(PROJECT_ROOT, '../shared/data');
export const VTEST = path.join(DATA, 'vtest.avi');

/** Splits an MJPEG byte stream into JPEGs (SOI … EOI markers). */
export function splitJpegs(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = -1;
  for (let i = 0; i + 1 < buf.length; i++) {
    if (buf[i] !== 0xff) continue;
    if (buf[i + 1] === 0xd8 && start < 0) start = i;
    else if (buf[i + 1] === 0xd9 && start >= 0) {
      out.push(buf.subarray(start, i + 2));
      start = -1;
      i++;
    }
  }
  return out;
}

/** `count` frames from vtest.avi starting at `startSec`, `fps` per second, as JPEGs. */
export function extractFrames(count: number, startSec = 10, fps = 2): Buffer[] {
  if (!existsSync(VTEST)) throw new Error(`${VTEST} missing`);
  const r = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-ss', String(startSec), '-i', VTEST, '-vf', `fps=${fps}`, '-frames:v', String(count), '-q:v', '3', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1'],
    { maxBuffer: 256 * 2 ** 20 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr.toString()}`);
  const jpegs = splitJpegs(r.stdout);
  if (jpegs.length !== count) throw new Error(`expected ${count} frames, got ${jpegs.length}`);
  return jpegs;
}

export function testCamera(id = 'cam-ev-01'): CameraConfig {
  return Camera.parse({
    id,
    name: '测试路口 东北角',
    location: { district: '黄浦区', street: '南京东路', address: '南京东路 100 号' },
    source: { kind: 'file', path: VTEST },
    rules: ['vending'],
    zones: [{ id: 'z1', type: 'no-vending', name: '人行道', polygon: [[0.1, 0.4], [0.9, 0.4], [0.9, 0.95], [0.1, 0.95]] }],
  });
}

export function testHit(cameraId: string, n: number, at = 1_790_000_000_000 + n * 60_000): HitEventT {
  return {
    hitId: `hit-${cameraId}-${n}`,
    event: 'opened',
    seq: 0,
    cameraId,
    zoneId: 'z1',
    rule: 'vending',
    startedAt: at - 300_000,
    at,
    lastSeenAt: at,
    score: 0.82,
    place: { box: [300.5, 200.25, 470, 400], frameSize: [768, 576] },
    detections: [
      { box: [300.5, 200.25, 360, 380], score: 0.82, classId: 0, className: 'person', label: 'person', modelId: 'yolox-nano' },
      { box: [420, 260, 470, 400], score: 0.61, classId: 0, className: 'person', label: 'person', modelId: 'yolox-nano' },
    ],
    models: ['tracker'],
    thresholds: { dwellSeconds: 300, minScore: 0.35 },
    attributes: { trackIds: [1, 2], persons: 2, objects: [] },
  };
}

export function framesFor(jpegs: Buffer[], at: number): EvidenceFrame[] {
  const roles: EvidenceFrame['role'][] = ['before', 'at', 'after'];
  return jpegs.slice(0, 3).map((jpeg, i) => ({ role: roles[i], capturedAt: at + (i - 1) * 2000, jpeg }));
}

export const MODELS = [{ id: 'yolox-nano', sha256: '695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14', version: '416-coco' }];
