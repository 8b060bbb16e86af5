// Labelled evaluation cases: real footage where it exists (vtest.avi, the checkpoint photo),
// composites of real imagery where it does not. Each case yields samples and the violations
// an officer would expect.
import path from 'node:path';
import { Camera, type CameraConfig } from '../../config/schema.ts';
import type { BgrImage } from '../../ingest/types.ts';
import type { Box } from '../../inference/types.ts';
import { PROJECT_ROOT } from '../../inference/manifest.ts';
import { loadPatch, paste } from './paste.ts';
import { renderPoster } from './poster.ts';
import { readVideo } from './video.ts';

export const DATA = path.resolve(PROJECT_ROOT, '../shared/data');
/** Monday 2026-11-23 10:00 in Shanghai: inside every case's enforcement hours. */
export const BASE_TIME = Date.UTC(2026, 10, 23, 2, 0, 0);

export interface EvalSample {
  t: number;
  image: BgrImage;
  /** Same key = same picture: detections are computed once. */
  key?: string;
}

export interface ExpectedHit {
  box: Box;
  /** Seconds: the alert must open at or after `from` (the dwell) and before `to`. */
  from: number;
  to: number;
  phoneNumbers?: string[];
}

export interface EvalCase {
  name: string;
  rule: 'vending' | 'overflow' | 'ads' | 'spillage';
  composite: boolean;
  description: string;
  camera: CameraConfig;
  needs: Array<'objects' | 'text' | 'overflow'>;
  expected: ExpectedHit[];
  /** Shows what a safeguard prevents (e.g. without the mask): reported, kept out of the per-rule figures. */
  control?: boolean;
  /** Seconds after the violation ends by which a cleared event must come (0: not checked). */
  clearBy?: number;
  samples(): AsyncGenerator<EvalSample>;
}

const camera = (raw: Record<string, unknown>): CameraConfig =>
  Camera.parse({ name: 'eval', location: { district: '评测区', street: '评测街道' }, source: { kind: 'file', path: 'eval' }, ...raw });

const VTEST = path.join(DATA, 'vtest.avi');
/** The paved area of vtest (walkway and road), normalised. */
const VTEST_PAVEMENT: Array<[number, number]> = [[0, 0.3], [0.55, 0.28], [1, 0.15], [1, 0.85], [0.55, 0.55], [0, 0.45]];

export function vtestSidewalk(): EvalCase {
  return {
    name: 'vending / vtest.avi, people walking by (real, played twice: 158 s)',
    rule: 'vending',
    composite: false,
    description: 'real street footage, no vendor; sidewalk no-vending zone, 60 s dwell',
    camera: camera({ id: 'eval-vtest', rules: ['vending'], zones: [{ id: 'sidewalk', type: 'no-vending', polygon: VTEST_PAVEMENT, dwellSeconds: 60, schedule: [{ from: '07:00', to: '22:00' }] }] }),
    needs: ['objects'],
    expected: [],
    async *samples() {
      for await (const f of readVideo(VTEST, { fps: 2, loops: 1, width: 768, height: 576 })) yield f;
    },
  };
}

/** The stall from times_square_vendor_cart.png (umbrellas, cart, people at it), held in a closer view of vtest. */
export function compositeStall(opts: { from?: number; to?: number; dwellSeconds?: number; loops?: number } = {}): EvalCase {
  const from = opts.from ?? 20;
  const to = opts.to ?? 110;
  const dwell = opts.dwellSeconds ?? 60;
  const at = { x: 330, y: 250 };
  const scale = 1.8;
  const crop = { left: 990, top: 380, width: 240, height: 160 };
  const box: Box = [at.x, at.y, at.x + crop.width * scale, at.y + crop.height * scale];
  return {
    name: `vending / stall held ${from}-${to} s in a zoomed vtest view (composite)`,
    rule: 'vending',
    composite: true,
    description: 'vendor cart crop of street/times_square_vendor_cart.png pasted into vtest (2x crop of the walkway) and held; people walk by',
    camera: camera({ id: 'eval-stall', rules: ['vending'], zones: [{ id: 'sidewalk', type: 'no-vending', polygon: [[0, 0.2], [1, 0], [1, 1], [0.45, 1], [0, 0.5]], dwellSeconds: dwell }] }),
    needs: ['objects'],
    expected: [{ box, from: from + dwell, to: to + 1 }],
    clearBy: 30,
    async *samples() {
      const stall = await loadPatch(path.join(DATA, 'street/times_square_vendor_cart.png'), crop, scale);
      const frames = readVideo(VTEST, { fps: 2, loops: opts.loops ?? 1, width: 768, height: 576, filter: 'crop=384:288:300:150' });
      for await (const f of frames) yield { t: f.t, image: f.t >= from && f.t < to ? paste(f.image, stall, at.x, at.y, 3) : f.image };
    },
  };
}

export const POSTER_LINES = ['专业疏通下水道', '电话 138-1234-5678', '办证刻章 021 6543 2198'];
export const POSTER_PHONES = ['13812345678', '021-65432198'];

/** A small-ad poster pasted on the building facade of vtest, from t = 5 s on. */
export function compositePoster(): EvalCase {
  const at = { x: 440, y: 8 };
  let size = { w: 0, h: 0 };
  const c: EvalCase = {
    name: 'ads / poster with phone numbers on the vtest facade (composite)',
    rule: 'ads',
    composite: true,
    description: 'rendered poster (CJK text, a mobile and a landline number) pasted on the brick facade of vtest frames',
    camera: camera({ id: 'eval-poster', rules: ['ads'], zones: [{ id: 'facade', type: 'protected-surface', polygon: [[0.4, 0], [0.8, 0], [0.8, 0.2], [0.4, 0.2]], persistSeconds: 20 }] }),
    needs: ['text'],
    expected: [],
    async *samples() {
      const poster = await renderPoster({ lines: POSTER_LINES, fontSize: 20 });
      size = { w: poster.width, h: poster.height };
      c.expected[0]!.box = [at.x, at.y, at.x + size.w, at.y + size.h];
      for await (const f of readVideo(VTEST, { fps: 1, width: 768, height: 576 })) {
        yield { t: f.t, image: f.t >= 5 ? paste(f.image, poster, at.x, at.y) : f.image };
      }
    },
  };
  c.expected.push({ box: [at.x, at.y, at.x + 200, at.y + 100], from: 25, to: 80, phoneNumbers: POSTER_PHONES });
  return c;
}

/** Real checkpoint photo: its on-screen text strip is masked, the vehicles' own lettering is outside the wall zone. */
export function checkpointStrip(masked: boolean): EvalCase {
  return {
    name: `ads / checkpoint camera on-screen strip ${masked ? 'masked' : 'NOT masked (control)'} (real)`,
    rule: 'ads',
    composite: false,
    description: 'street/checkpoint_camera_cn.jpg held 30 s; zone = bottom band of the picture where the camera overlay sits',
    camera: camera({
      id: 'eval-checkpoint',
      rules: ['ads'],
      zones: [{ id: 'band', type: 'protected-surface', polygon: [[0, 0.8], [1, 0.8], [1, 1], [0, 1]], persistSeconds: 10 }],
      masks: masked ? [[[0, 0.9], [1, 0.9], [1, 1], [0, 1]]] : [],
    }),
    needs: ['text'],
    expected: [],
    control: !masked,
    async *samples() {
      const img = await loadPatch(path.join(DATA, 'street/checkpoint_camera_cn.jpg'), undefined, 0.4);
      for (let t = 0; t <= 30; t += 2) yield { t, image: img, key: 'checkpoint' };
    },
  };
}

/** Nearest-neighbour crop-and-scale of a frame region (for moving a real vehicle across a frame). */
function cropScale(img: BgrImage, box: Box, scale: number): BgrImage {
  const [x1, y1, x2, y2] = box;
  const w = Math.round((x2 - x1) * scale);
  const h = Math.round((y2 - y1) * scale);
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const si = ((Math.floor(y1 + y / scale)) * img.width + Math.floor(x1 + x / scale)) * 3;
      img.data.copy(data, (y * w + x) * 3, si, si + 3);
    }
  }
  return { data, width: w, height: h };
}

/**
 * vtest's white van (cut from the frame, scaled 1.6x) driven across the walkway at t = 8–16 s;
 * garbage patches from an overflow photo appear behind it (t = 13 and 15 s) and stay.
 */
export function compositeSpill(opts: { debris: boolean; truck: boolean }): EvalCase {
  const debris = [
    { x: 430, y: 320, t: 13 },
    { x: 330, y: 335, t: 15 },
  ];
  const label = opts.truck && opts.debris ? 'truck passes, debris appears behind it' : opts.truck ? 'truck passes, no debris (control)' : 'debris appears, no truck (control)';
  const expected: ExpectedHit[] = opts.truck && opts.debris ? [{ box: [330, 320, 487, 368], from: 33, to: 79 }] : [];
  return {
    name: `spillage / ${label} (composite)`,
    rule: 'spillage',
    composite: true,
    description: 'vtest frames; the parked van moved across the walkway; debris = crops of overflow/train/dirty/dirty_0003.jpg',
    camera: camera({ id: 'eval-spill', rules: ['spillage'], zones: [{ id: 'road', type: 'road', polygon: VTEST_PAVEMENT, persistSeconds: 20 }] }),
    needs: ['objects'],
    expected,
    async *samples() {
      const patch = await loadPatch(path.join(DATA, 'overflow/train/dirty/dirty_0003.jpg'), { left: 95, top: 170, width: 95, height: 55 }, 0.6);
      let van: BgrImage | undefined;
      for await (const f of readVideo(VTEST, { fps: 2, width: 768, height: 576 })) {
        van ??= cropScale(f.image, [651, 42, 725, 100], 1.6);
        let img = f.image;
        if (opts.debris) for (const d of debris) if (f.t >= d.t) img = paste(img, patch, d.x, d.y, 2);
        if (opts.truck && f.t >= 8 && f.t <= 16) img = paste(img, van, Math.round(640 - (540 * (f.t - 8)) / 8), 240);
        yield { t: f.t, image: img };
      }
    },
  };
}
