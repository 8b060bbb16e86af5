// Vending precondition recall on real photos of attended street stalls: does the rule see the
// person + vendor-object cluster at all? Each view of a photo is a still camera held for 20 s
// (no-vending zone over the whole view, 10 s dwell), so an alert means the precondition held.
// ../shared/data/street has one such photo (times_square_vendor_cart.png); issue 13 names seven,
// the other six are not in the shared data. Views: the whole frame as the photo was taken, and
// closer views of the same stall (a camera nearer to it), to show recall against apparent size.
import path from 'node:path';
import { Camera } from '../../src/config/schema.ts';
import type { Box } from '../../src/inference/types.ts';
import { loadPatch } from './paste.ts';
import { DATA, type EvalCase } from './cases.ts';

interface StallView {
  name: string;
  /** Region of the photo the camera sees (whole photo when absent) and its upscaling. */
  crop?: { left: number; top: number; width: number; height: number };
  scale?: number;
}

/** The stall (umbrellas, cart, its attendants) in times_square_vendor_cart.png, photo pixels, labelled by eye. */
const STALL: Box = [900, 380, 1240, 600];
const PHOTO = 'street/times_square_vendor_cart.png';

export const STALL_VIEWS: StallView[] = [
  { name: 'whole photo (1441×731)' },
  { name: 'stall and street around it (720×360 crop)', crop: { left: 700, top: 250, width: 720, height: 360 } },
  { name: 'stall only, ×1.8 (as the composite)', crop: { left: 990, top: 380, width: 240, height: 160 }, scale: 1.8 },
];

export function stallPhotoCases(): EvalCase[] {
  return STALL_VIEWS.map((v) => {
    const scale = v.scale ?? 1;
    const ox = v.crop?.left ?? 0;
    const oy = v.crop?.top ?? 0;
    const box: Box = [(STALL[0] - ox) * scale, (STALL[1] - oy) * scale, (STALL[2] - ox) * scale, (STALL[3] - oy) * scale];
    return {
      name: `vending precondition / ${PHOTO}, ${v.name} (real)`,
      rule: 'vending',
      composite: false,
      description: 'real attended stall photo held as a still camera; alert = person + vendor object clustered',
      camera: Camera.parse({
        id: 'eval-stall-photo', name: 'eval', location: { district: '评测区', street: '评测街道' }, source: { kind: 'file', path: 'eval' }, rules: ['vending'],
        zones: [{ id: 'all', type: 'no-vending', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], dwellSeconds: 10 }],
      }),
      needs: ['objects'],
      expected: [{ box, from: 10, to: 21 }],
      async *samples() {
        const image = await loadPatch(path.join(DATA, PHOTO), v.crop, scale);
        for (let t = 0; t <= 20; t++) yield { t, image, key: 'still' };
      },
    };
  });
}
