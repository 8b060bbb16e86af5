// The acceptance matrix, part 1: the first four rules × the three source kinds, through
// `huiyan serve` (test/e2e/support/matrix.ts): every camera runs at once in one serve, each
// raises exactly one case whose evidence verifies, seen by the officer of its district and by no
// officer of the other. Footage: the labelled composites of tools/eval and a real photo of an
// overflowing bin (README: "acceptance matrix"). Part 2, the later types: matrix-types.test.ts.
//
//   | rule     | file | RTSP | GB28181 (test/gb28181/sim) |
//   | vending  |  ✓   |  ✓   |  ✓                         |
//   | overflow |  ✓   |  –   |  –                         |
//   | ads      |  ✓   |  ✓   |  –   (phone numbers in the case)
//   | spillage |  ✓   |  –   |  –                         |
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { POSTER_PHONES } from '../../tools/eval/cases.ts';
import { file, JA, MatrixSite, XH } from './support/matrix.ts';
import type { CellCamera } from './support/footage.ts';

const m = new MatrixSite();

before(async () => {
  await m.open('matrix');
  const cams: CellCamera[] = [
    { id: 'vending-file', district: XH, scene: 'stall', source: await file('stall') },
    { id: 'vending-rtsp', district: JA, scene: 'stall', source: (await m.rtspOf('stall', 'vending-rtsp'))! },
    { id: 'vending-gb28181', district: XH, scene: 'stall', source: await m.gb28181Source() },
    { id: 'overflow-file', district: JA, scene: 'overflow', wait: 4, source: await file('overflow') },
    { id: 'ads-file', district: XH, scene: 'poster', source: await file('poster') },
    { id: 'ads-rtsp', district: JA, scene: 'poster', source: (await m.rtspOf('poster', 'ads-rtsp'))! },
    { id: 'spillage-file', district: XH, scene: 'spill', source: await file('spill') },
  ];
  await m.start(cams);
}, { timeout: 900_000 });

after(() => m.close(), { timeout: 120_000 });

describe('acceptance matrix through huiyan serve: rules × sources', { concurrency: 1 }, () => {
  it('vending × file', { timeout: 540_000 }, async () => void (await m.cell('vending-file', 'vending')));
  it('vending × RTSP', { timeout: 540_000 }, async () => void (await m.cell('vending-rtsp', 'vending')));
  it('vending × GB28181 (device simulator)', { timeout: 540_000 }, async () => void (await m.cell('vending-gb28181', 'vending')));
  it('overflow × file', { timeout: 540_000 }, async () => void (await m.cell('overflow-file', 'overflow')));
  it('ads × file, phone numbers in the case', { timeout: 540_000 }, async () => {
    const text = await m.cell('ads-file', 'ads');
    for (const p of POSTER_PHONES) assert.ok(text.includes(p), `phone ${p} in the case or its evidence`);
  });
  it('ads × RTSP, phone numbers in the case', { timeout: 540_000 }, async () => {
    const text = await m.cell('ads-rtsp', 'ads');
    for (const p of POSTER_PHONES) assert.ok(text.includes(p), `phone ${p} in the case or its evidence`);
  });
  // The truck passes 8–16 s into its recording: before models were loaded ahead of the streams,
  // a loaded box dropped those samples while the detector loaded and this cell never opened.
  it('spillage × file', { timeout: 540_000 }, async () => void (await m.cell('spillage-file', 'spillage')));
});
