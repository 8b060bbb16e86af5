// Footage for the acceptance matrix: the labelled composites of tools/eval rendered to H.264
// once per machine (cached in the temp folder), vtest.avi itself for the parked van, and
// camera configs around them with short dwell/persist times so each cell raises its case
// within seconds of footage.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compositeBicycles, compositePile, compositePoster, compositeShopfront, compositeSpill, compositeStall, DATA, VTEST_ROAD, VTEST_SQUARE, VTEST_VAN_SPOT, type EvalCase } from '../../../tools/eval/cases.ts';
import { renderCase } from '../../../tools/eval/footage.ts';
import { freePort } from '../../../src/util/net.ts';
export { freePort };

const CACHE = path.join(os.tmpdir(), 'huiyan-e2e-footage-v1');

export type Scene = 'stall' | 'stall-short' | 'poster' | 'spill' | 'overflow' | 'parking' | 'parking-road' | 'crowd' | 'crowd-sparse' | 'bikes' | 'bikes-two' | 'pile' | 'no-pile' | 'shopfront' | 'shopfront-inside';

const SCENES: Record<Exclude<Scene, 'overflow' | 'parking' | 'parking-road' | 'crowd' | 'crowd-sparse'>, { make: () => EvalCase; fps: number }> = {
  // The stall is held from 3 s to 150 s (vtest played twice): alerts after the dwell, never clears mid-test.
  stall: { make: () => compositeStall({ from: 3, to: 150, dwellSeconds: 8 }), fps: 2 },
  // Stall from 3 s to 35 s of an 80 s clip: the hit opens, then clears before the clip ends.
  'stall-short': { make: () => compositeStall({ from: 3, to: 35, dwellSeconds: 8, loops: 0 }), fps: 2 },
  poster: { make: () => compositePoster(), fps: 1 },
  spill: { make: () => compositeSpill({ debris: true, truck: true }), fps: 2 },
  // Three motorbikes parked on the walkway from 3 s to the clip's end (≥ 3 for the dwell: one case), or two of them (none).
  bikes: { make: () => compositeBicycles({ count: 3, from: 3 }), fps: 2 },
  'bikes-two': { make: () => compositeBicycles({ count: 2, from: 3 }), fps: 2 },
  // A dumped box on the walkway from 5 s to the clip's end (one case), or the real clip with the same zone (none).
  pile: { make: () => compositePile({ from: 5 }), fps: 2 },
  'no-pile': { make: () => compositePile(), fps: 2 },
  // A parasol set down at 3 s and left for the clip: beyond the shop's frontage line, or on the shop's side of it.
  shopfront: { make: () => compositeShopfront({ beyond: true }), fps: 2 },
  'shopfront-inside': { make: () => compositeShopfront({ beyond: false }), fps: 2 },
};

/** A real photo of an overflowing bin point (scored 0.74 by the shipped head) held for 90 s. */
async function renderOverflow(file: string): Promise<string> {
  if (existsSync(file)) return file;
  const tmp = `${file}.part.mp4`;
  execFileSync('ffmpeg', ['-y', '-v', 'error', '-loop', '1', '-i', path.join(DATA, 'overflow/train/dirty/dirty_0003.jpg'), '-t', '90',
    '-vf', 'scale=480:640,fps=10', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '10', tmp]);
  await rename(tmp, file);
  return file;
}

export async function footage(scene: Scene): Promise<string> {
  // The real street: the white van stands by the building for all 80 s; 6–8 people are on the square from ~9 s to ~33 s.
  if (scene === 'parking' || scene === 'parking-road' || scene === 'crowd' || scene === 'crowd-sparse' || scene === 'no-pile') return path.join(DATA, 'vtest.avi');
  await mkdir(CACHE, { recursive: true });
  const file = path.join(CACHE, `${scene}.mp4`);
  if (scene === 'overflow') return renderOverflow(file);
  const s = SCENES[scene];
  return renderCase(s.make(), file, s.fps);
}

export interface CellCamera {
  id: string;
  district: string;
  source: Record<string, unknown>;
  scene: Scene;
  /** Seconds: the zone's dwell (vending, overflow, parking, bicycles, outside_shop), persist time (ads, spillage, materials) or duration (crowd). */
  wait?: number;
  /** Seconds a cleared hit's place stays quiet (the zone's cooldownSeconds; default 600). */
  cooldown?: number;
}

/** A camera config (as written to streams-config/) for a scene at a place. */
export function cameraConfig(c: CellCamera): Record<string, unknown> {
  const wait = c.wait ?? 8;
  const cooldown = c.cooldown === undefined ? {} : { cooldownSeconds: c.cooldown };
  const base = c.scene === 'overflow'
    ? { rules: ['overflow'], zones: [{ id: 'bin', type: 'bin-point', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], dwellSeconds: wait, overflowThreshold: 0.5, ...cooldown }] }
    : c.scene === 'parking'
    ? { rules: ['parking'], zones: [{ id: 'van-spot', type: 'no-parking', polygon: VTEST_VAN_SPOT, dwellSeconds: wait, ...cooldown }] }
    : c.scene === 'parking-road'
    ? { rules: ['parking'], zones: [{ id: 'road', type: 'no-parking', polygon: VTEST_ROAD, dwellSeconds: wait, ...cooldown }] }
    : c.scene === 'crowd' || c.scene === 'crowd-sparse'
    // At most 9 people stand on the square at once (tools/eval vtestCrowd): 12 is never reached.
    ? { rules: ['crowding'], zones: [{ id: 'square', type: 'crowd', polygon: VTEST_SQUARE, minPersons: c.scene === 'crowd' ? 6 : 12, durationSeconds: wait, ...cooldown }] }
    : (() => {
        const { id: _i, name: _n, location: _l, source: _s, sampling: _f, ...rest } = SCENES[c.scene].make().camera;
        const zones = rest.zones.map((z) => ({ ...z, ...cooldown, ...('persistSeconds' in z ? { persistSeconds: wait } : { dwellSeconds: wait }) }));
        return { ...rest, zones };
      })();
  return {
    ...base,
    id: c.id,
    name: `${c.id} (合成画面)`,
    location: { district: c.district, street: '测试街道' },
    source: c.source,
    sampling: { fps: c.scene === 'poster' ? 1 : 2, keyframesOnly: false },
  };
}

/** A free TCP (or UDP) port on loopback. */
