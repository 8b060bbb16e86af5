// Labelled evaluation cases: real footage where it exists (vtest.avi, the checkpoint photo),
// composites of real imagery where it does not. Each case yields samples and the violations
// an officer would expect.
import path from 'node:path';
import { Camera, type CameraConfig } from '../../src/config/schema.ts';
import type { BgrImage } from '../../src/ingest/types.ts';
import type { Box } from '../../src/inference/types.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { loadPatch, paste } from './paste.ts';
import { renderPoster } from './poster.ts';
import { sampleFile } from '../../src/ingest/sample-file.ts';

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
  rule: 'vending' | 'overflow' | 'ads' | 'spillage' | 'parking' | 'crowding' | 'bicycles' | 'materials' | 'outside_shop';
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
      for await (const f of sampleFile(VTEST, { fps: 2, loops: 1, width: 768, height: 576 })) yield f;
    },
  };
}

/** The white van parked by the building in vtest (YOLOX sees it as truck and as car), standing all 80 s. */
export const VTEST_VAN: Box = [651, 42, 722, 100];
/** A no-parking zone drawn over the van's spot (the small car at the right edge stays outside). */
export const VTEST_VAN_SPOT: Array<[number, number]> = [[0.82, 0.05], [0.95, 0.05], [0.95, 0.22], [0.82, 0.22]];
/** The road by the lamp post: people cross it, no vehicle drives or stops there in vtest. */
export const VTEST_ROAD: Array<[number, number]> = [[0.5, 0.35], [0.9, 0.35], [0.9, 0.7], [0.5, 0.7]];

/**
 * 机动车违停 on vtest (real, 80 s at 2 fps): a no-parking zone over the parked van (one hit
 * after the dwell) or over the road where only people pass (none). vtest has no moving
 * vehicle, so the negative is a zone that vehicles leave alone, not a passing van.
 */
export function vtestParking(opts: { spot: boolean; dwellSeconds?: number }): EvalCase {
  const dwell = opts.dwellSeconds ?? 60;
  return {
    name: opts.spot ? `parking / vtest.avi, zone over the parked van, ${dwell} s dwell (real)` : `parking / vtest.avi, zone on the road where only people pass (real)`,
    rule: 'parking',
    composite: false,
    description: opts.spot ? 'real footage: the white van by the building stands in the no-parking zone the whole clip' : 'real footage: pedestrians cross the no-parking zone, no vehicle enters it',
    camera: camera({ id: 'eval-parking', rules: ['parking'], zones: [{ id: 'no-parking', type: 'no-parking', polygon: opts.spot ? VTEST_VAN_SPOT : VTEST_ROAD, dwellSeconds: dwell }] }),
    needs: ['objects'],
    expected: opts.spot ? [{ box: VTEST_VAN, from: dwell, to: 80 }] : [],
    async *samples() {
      for await (const f of sampleFile(VTEST, { fps: 2, width: 768, height: 576 })) yield f;
    },
  };
}

/** The square in front of the building, left of the post with a blue sign (YOLOX calls it a person). */
export const VTEST_SQUARE: Array<[number, number]> = [[0.1, 0.15], [1, 0.15], [1, 1], [0, 1], [0, 0.35]];

/**
 * 人群聚集 on vtest (real, 80 s at 2 fps): 6 to 8 people are on the square from about 10 s to
 * 33 s (5 or fewer from 34 s to 50 s, 6 to 9 again after): with 6 persons for 15 s one hit,
 * and the zone's cooldown keeps the second gathering from alerting again; with 10 none (at
 * most 9 are ever seen at once).
 */
export function vtestCrowd(minPersons: number): EvalCase {
  return {
    name: `crowding / vtest.avi, square, ≥ ${minPersons} persons for 15 s (real)`,
    rule: 'crowding',
    composite: false,
    description: 'real footage: people walking across the square in front of the building',
    camera: camera({ id: 'eval-crowd', rules: ['crowding'], zones: [{ id: 'square', type: 'crowd', polygon: VTEST_SQUARE, minPersons, durationSeconds: 15 }] }),
    needs: ['objects'],
    expected: minPersons <= 6 ? [{ box: [0, 86.4, 768, 576], from: 24, to: 40 }] : [],
    async *samples() {
      for await (const f of sampleFile(VTEST, { fps: 2, width: 768, height: 576 })) yield f;
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
      const frames = sampleFile(VTEST, { fps: 2, loops: opts.loops ?? 1, width: 768, height: 576, filter: 'crop=384:288:300:150' });
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
      for await (const f of sampleFile(VTEST, { fps: 1, width: 768, height: 576 })) {
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

const PLATE_SCALE = 0.5;

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
 * vtest's parked van in a 2× view of its corner (crop 384×288 at (384, 0)) with the real plate of
 * the checkpoint photo's ambulance fixed to its front (the van's own plate is a few pixels in
 * vtest), in a no-parking zone: reading and voting a parked vehicle's plate.
 */
export function compositeParkedPlate(dwellSeconds = 20): EvalCase {
  const van: Box = [534, 84, 676, 200];
  return {
    name: `parking / vtest van, 2× view, checkpoint plate on its front, ${dwellSeconds} s dwell (composite)`,
    rule: 'parking',
    composite: true,
    description: 'vtest frames cropped to the van corner and scaled 2×; plate crop of street/checkpoint_camera_cn.jpg pasted on the van',
    camera: camera({ id: 'eval-parked-plate', rules: ['parking'], zones: [{ id: 'no-parking', type: 'no-parking', polygon: [[0.6, 0.1], [0.9, 0.1], [0.9, 0.45], [0.6, 0.45]], dwellSeconds }] }),
    needs: ['objects'],
    expected: [{ box: van, from: dwellSeconds, to: 80 }],
    async *samples() {
      const plate = await loadPatch(path.join(DATA, 'street/checkpoint_camera_cn.jpg'), CHECKPOINT_PLATE, PLATE_SCALE);
      for await (const f of sampleFile(VTEST, { fps: 2, width: 768, height: 576, filter: 'crop=384:288:384:0' })) yield { t: f.t, image: paste(f.image, plate, 574, 160) };
    },
  };
}

/**
 * The passing van: vtest's van driven across the walkway (8–16 s, the spillage composite
 * without debris) through a no-parking zone over the walkway, with a dwell (5 s) shorter than
 * its passage — only standing still may count. Composite; expected 0.
 */
export function compositePassingVan(): EvalCase {
  return {
    ...compositeSpill({ truck: true, debris: false }),
    name: 'parking / the van drives through the no-parking zone, 5 s dwell (composite)',
    rule: 'parking',
    description: 'vtest frames; the parked van cut out and driven across the walkway through the zone',
    camera: camera({ id: 'eval-passing', rules: ['parking'], zones: [{ id: 'walkway', type: 'no-parking', polygon: [[0, 0.35], [1, 0.35], [1, 0.7], [0, 0.7]], dwellSeconds: 5 }] }),
    expected: [],
  };
}

/** The ambulance's plate in checkpoint_camera_cn.jpg (full resolution), read 鲁Q·1V825. */
export const CHECKPOINT_PLATE = { left: 1325, top: 1452, width: 126, height: 46 };
export const CHECKPOINT_PLATE_TEXT = '鲁Q1V825';

/**
 * vtest's white van (cut from the frame, scaled 1.6x) driven across the walkway at t = 8–16 s;
 * garbage patches from an overflow photo appear behind it (t = 13 and 15 s) and stay. With
 * `plate`, the real plate of the checkpoint photo's ambulance is fixed to the van (the van's
 * own plate is a few pixels in vtest).
 */
export function compositeSpill(opts: { debris: boolean; truck: boolean; plate?: boolean }): EvalCase {
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
      for await (const f of sampleFile(VTEST, { fps: 2, width: 768, height: 576 })) {
        if (!van) {
          van = cropScale(f.image, [651, 42, 725, 100], 1.6);
          if (opts.plate) van = paste(van, await loadPatch(path.join(DATA, 'street/checkpoint_camera_cn.jpg'), CHECKPOINT_PLATE, PLATE_SCALE), 30, 62);
        }
        let img = f.image;
        if (opts.debris) for (const d of debris) if (f.t >= d.t) img = paste(img, patch, d.x, d.y, 2);
        if (opts.truck && f.t >= 8 && f.t <= 16) img = paste(img, van, Math.round(640 - (540 * (f.t - 8)) / 8), 240);
        yield { t: f.t, image: img };
      }
    },
  };
}

/** Parked motorbikes (e-bike-like scooters) in real Montevideo street photos of the overflow set, each with YOLOX's box on its own photo. */
const MOTORBIKES = [
  { file: 'overflow/train/clean/clean_0724.jpg', crop: { left: 2, top: 186, width: 86, height: 74 } },
  { file: 'overflow/train/dirty/dirty_0309.jpg', crop: { left: 240, top: 198, width: 52, height: 90 } },
  { file: 'overflow/train/clean/clean_0390.jpg', crop: { left: 262, top: 40, width: 58, height: 74 } },
] as const;
/** Where the motorbikes stand in the 2× walkway view of vtest (crop 384×288 at (300, 150)): in a row on the paving. */
const MOTORBIKE_SPOTS = [{ x: 20, y: 330 }, { x: 240, y: 300 }, { x: 450, y: 320 }] as const;
const MOTORBIKE_SCALE = 2.2;
/** The paving of the 2× walkway view where the motorbikes stand: a no-bicycle-parking zone. */
export const BIKE_ZONE: Array<[number, number]> = [[0, 0.4], [0.85, 0.4], [0.85, 0.9], [0, 0.9]];

/**
 * 非机动车乱停放: `count` real motorbikes (crops of overflow-set street photos, scaled 1.6×) put
 * down in a row on the vtest walkway (2× view) at `from` s and left until `to` s, while people
 * walk by. Composite. With ≥ `minVehicles` of them standing past the dwell, one hit.
 */
export function compositeBicycles(opts: { count: number; minVehicles?: number; from?: number; to?: number; dwellSeconds?: number }): EvalCase {
  const from = opts.from ?? 5;
  const to = opts.to ?? 80;
  const dwell = opts.dwellSeconds ?? 20;
  const minVehicles = opts.minVehicles ?? 3;
  const positive = opts.count >= minVehicles && to - from > dwell;
  return {
    name: `bicycles / ${opts.count} motorbikes parked on the walkway ${from}-${to} s, ≥ ${minVehicles} for ${dwell} s (composite)`,
    rule: 'bicycles',
    composite: true,
    description: 'vtest walkway (2× crop) with parked motorbikes cut from street photos of overflow/train (clean 0724 and 0390, dirty 0309) pasted in a row; people walk by',
    camera: camera({ id: 'eval-bicycles', rules: ['bicycles'], zones: [{ id: 'walkway', type: 'no-bicycle-parking', polygon: BIKE_ZONE, dwellSeconds: dwell, minVehicles }] }),
    needs: ['objects'],
    expected: positive ? [{ box: [0, 230.4, 652.8, 518.4], from: from + dwell, to }] : [],
    async *samples() {
      const bikes = await Promise.all(MOTORBIKES.slice(0, opts.count).map((b) => loadPatch(path.join(DATA, b.file), b.crop, MOTORBIKE_SCALE)));
      for await (const f of sampleFile(VTEST, { fps: 2, width: 768, height: 576, filter: 'crop=384:288:300:150' })) {
        let img = f.image;
        if (f.t >= from && f.t < to) bikes.forEach((b, i) => (img = paste(img, b, MOTORBIKE_SPOTS[i]!.x, MOTORBIKE_SPOTS[i]!.y, 3)));
        yield { t: f.t, image: img };
      }
    },
  };
}

/** A dumped cardboard box with a pipe and packing foam in it, from a real street photo (overflow/train/dirty/dirty_0198.jpg). */
const PILE = { file: 'overflow/train/dirty/dirty_0198.jpg', crop: { left: 112, top: 130, width: 120, height: 88 }, scale: 0.8 };
/** Where the pile is put down on the vtest walkway (full view, source pixels), and its box. */
const PILE_AT = { x: 250, y: 225 };
export const PILE_BOX: Box = [PILE_AT.x, PILE_AT.y, PILE_AT.x + Math.round(PILE.crop.width * PILE.scale), PILE_AT.y + Math.round(PILE.crop.height * PILE.scale)];

/**
 * 乱堆物料 on the vtest walkway: a real dumped box (crop of a street photo) put down at `from`
 * s and left until `to` s, in a no-piling zone over the paving, while people walk by and stand.
 * Composite. Without a pile (`from` undefined) the real clip alone: people walking and standing
 * must not count. Expected: one hit when the pile stays longer than `persistSeconds`.
 */
export function compositePile(opts: { from?: number; to?: number; persistSeconds?: number } = {}): EvalCase {
  const persist = opts.persistSeconds ?? 20;
  const to = opts.to ?? 80;
  const pile = opts.from !== undefined;
  const label = !pile ? 'vtest.avi with no pile: people walk and stand on the paving (real)' : `box dumped on the walkway ${opts.from}-${to} s, ${persist} s persistence (composite)`;
  return {
    name: `materials / ${label}`,
    rule: 'materials',
    composite: pile,
    description: pile ? 'vtest frames; a dumped cardboard box cut from overflow/train/dirty/dirty_0198.jpg pasted on the walkway' : 'real footage, nothing put down',
    camera: camera({ id: 'eval-pile', rules: ['materials'], zones: [{ id: 'walkway', type: 'no-piling', polygon: VTEST_PAVEMENT, persistSeconds: persist }] }),
    needs: ['objects'],
    expected: pile && to - opts.from! > persist ? [{ box: PILE_BOX, from: opts.from! + persist, to }] : [],
    async *samples() {
      const patch = await loadPatch(path.join(DATA, PILE.file), PILE.crop, PILE.scale);
      for await (const f of sampleFile(VTEST, { fps: 2, width: 768, height: 576 })) {
        yield { t: f.t, image: pile && f.t >= opts.from! && f.t < to ? paste(f.image, patch, PILE_AT.x, PILE_AT.y, 2) : f.image };
      }
    },
  };
}

/** The shop of the shop-frontage composites (a made-up 统一社会信用代码; tests register it as a shop party). */
export const SHOP_LICENCE_NO = '91310104MA1FL5XQ2K';
/** The frontage composites' view: vtest's building and the car park before it (crop 384×288 at (230, 0), scaled 2×). */
const SHOP_VIEW = 'crop=384:288:230:0';
/** The shop's frontage line across that view, below the lawn before the building: the street (car park, road) is on its right, i.e. below. */
export const SHOP_FRONTAGE: Array<[number, number]> = [[0, 0.7], [1, 0.62]];
export const SHOP_ZONE: Array<[number, number]> = [[0, 0.3], [1, 0.3], [1, 1], [0, 1]];

/**
 * 店外经营 (composite): a real open parasol (the blue umbrella lying on the pavement in
 * overflow/train/dirty/dirty_0246.jpg, cut out and scaled 2.4×) set down at t = 3 s in front of
 * vtest's building and left there while people walk by. `beyond`: on the pavement on the
 * street side of the frontage line (one hit after the dwell, the shop's licence on it);
 * otherwise on the lawn between the building and the line, the shop's own forecourt (none).
 */
export function compositeShopfront(opts: { beyond: boolean; dwellSeconds?: number }): EvalCase {
  const dwell = opts.dwellSeconds ?? 20;
  const from = 3;
  // Where the parasol stands (its box as YOLOX-nano sees it: ~218×130 px, the foot at y 0.98 or 0.60).
  const at = opts.beyond ? { x: 100, y: 420 } : { x: 60, y: 190 };
  return {
    name: `outside_shop / parasol ${opts.beyond ? 'beyond the frontage line' : 'on the shop\'s side of the line'}, ${dwell} s dwell (composite)`,
    rule: 'outside_shop',
    composite: true,
    description: `vtest frames (2× view of the building); umbrella crop of overflow/train/dirty/dirty_0246.jpg pasted ${opts.beyond ? 'on the pavement, street side' : 'on the lawn, shop side'} from ${from} s`,
    camera: camera({ id: 'eval-shopfront', rules: ['outside_shop'], zones: [{ id: 'shopfront', type: 'shop-frontage', polygon: SHOP_ZONE, frontage: SHOP_FRONTAGE, streetSide: 'right', partyLicenceNo: SHOP_LICENCE_NO, dwellSeconds: dwell }] }),
    needs: ['objects'],
    // The place is the frontage zone (its bounding box in the 768×576 view); the parasol settles 5 s after it is set down.
    expected: opts.beyond ? [{ box: [0, 172.8, 768, 576], from: from + dwell, to: 80 }] : [],
    async *samples() {
      const parasol = await loadPatch(path.join(DATA, 'overflow/train/dirty/dirty_0246.jpg'), { left: 0, top: 112, width: 92, height: 70 }, 2.4);
      for await (const f of sampleFile(VTEST, { fps: 2, width: 768, height: 576, filter: SHOP_VIEW })) {
        yield { t: f.t, image: f.t >= from ? paste(f.image, parasol, at.x, at.y, 3) : f.image };
      }
    },
  };
}
