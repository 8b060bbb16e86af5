import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Letterbox, planarToBgr } from '../../src/inference/preprocess.ts';
import { readImageBgr, scaleToFit, cropBgr } from '../../src/inference/image.ts';
import { vtestFrames, SHARED_DATA, VTEST, decodeFrameAs } from './frames.ts';

const yoloxSpec = { channelOrder: 'bgr', mean: [0, 0, 0], std: [1, 1, 1], letterbox: 'top-left', pad: 114 } as const;

test('scaleToFit keeps the aspect ratio inside the box', () => {
  assert.deepEqual(scaleToFit(768, 576, 416, 416), { width: 416, height: 312, scale: 416 / 768 });
  assert.deepEqual(scaleToFit(810, 1080, 640, 640), { width: 480, height: 640, scale: 640 / 1080 });
});

test('readImageBgr decodes in BGR order and can fit the detector size', async () => {
  const file = path.join(SHARED_DATA, 'street/bus.jpg');
  const full = await readImageBgr(file);
  assert.equal(full.width, 810);
  assert.equal(full.height, 1080);
  assert.equal(full.scale, 1);
  const fit = await readImageBgr(file, { width: 416, height: 416 });
  assert.equal(fit.height, 416);
  assert.equal(fit.width, 312);
  assert.ok(Math.abs(fit.scale - 416 / 1080) < 0.002);
  const sharp = (await import('sharp')).default;
  const rgb = await sharp(file).raw().toBuffer();
  for (const i of [0, 3 * 1000, 3 * 400000]) {
    assert.equal(full.data[i], rgb[i + 2]);
    assert.equal(full.data[i + 1], rgb[i + 1]);
    assert.equal(full.data[i + 2], rgb[i]);
  }
});

test('top-left letterbox copies a real frame, pads with 114 and reuses its tensor', async () => {
  const [frame] = await vtestFrames([3], { width: 416, height: 312 });
  const lb = new Letterbox(yoloxSpec);
  const r = lb.run(frame!, 416, 416);
  assert.equal(r.scale, 1);
  assert.equal(r.padX, 0);
  assert.equal(r.padY, 0);
  const plane = 416 * 416;
  const px = (x: number, y: number) => (y * 416 + x) * 3;
  for (const [x, y] of [[0, 0], [200, 100], [415, 311]] as const) {
    const i = y * 416 + x;
    assert.equal(r.tensor[i], frame!.data[px(x, y)]); // B
    assert.equal(r.tensor[i + plane], frame!.data[px(x, y) + 1]); // G
    assert.equal(r.tensor[i + 2 * plane], frame!.data[px(x, y) + 2]); // R
  }
  for (const c of [0, 1, 2]) assert.equal(r.tensor[c * plane + 400 * 416 + 10], 114);
  const again = lb.run(frame!, 416, 416);
  assert.equal(again.tensor, r.tensor, 'the tensor buffer is reused');
});

test('bilinear downscale by 2 averages 2×2 blocks; centre letterbox, RGB order and mean/std apply', async () => {
  const [frame] = await vtestFrames([5]);
  const spec = { channelOrder: 'rgb', mean: [10, 20, 30], std: [2, 4, 8], letterbox: 'centre', pad: 0 } as const;
  const lb = new Letterbox(spec);
  const r = lb.run(frame!, 384, 384); // 768×576 → 384×288, centred: padY = 48
  assert.equal(r.contentWidth, 384);
  assert.equal(r.contentHeight, 288);
  assert.equal(r.padY, 48);
  const plane = 384 * 384;
  const src = (x: number, y: number, ch: number) => frame!.data[(y * 768 + x) * 3 + ch]!;
  for (const [x, y] of [[0, 0], [100, 50], [383, 287]] as const) {
    for (const c of [0, 1, 2]) {
      const bgr = 2 - c; // tensor channel 0 is R
      const mean = (src(2 * x, 2 * y, bgr) + src(2 * x + 1, 2 * y, bgr) + src(2 * x, 2 * y + 1, bgr) + src(2 * x + 1, 2 * y + 1, bgr)) / 4;
      const got = r.tensor[c * plane + (y + 48) * 384 + x]!;
      assert.ok(Math.abs(got - (mean - spec.mean[c]) / spec.std[c]) < 1e-3, `pixel ${x},${y} channel ${c}`);
    }
  }
  assert.equal(r.tensor[10], (0 - 10) / 2, 'pad row above the picture');
});

test('cropBgr clamps to the image', async () => {
  const [frame] = await vtestFrames([1], { width: 64, height: 48 });
  const c = cropBgr(frame!, [-5, 40, 10, 60])!;
  assert.equal(c.width, 10);
  assert.equal(c.height, 8);
  assert.deepEqual([...c.data.subarray(0, 3)], [...frame!.data.subarray(40 * 64 * 3, 40 * 64 * 3 + 3)]);
  assert.equal(cropBgr(frame!, [70, 0, 80, 10]), null);
});

test('planar gbrp frames give exactly the tensor of the same pixels packed as BGR', async () => {
  const planar = await decodeFrameAs(VTEST, 7, 416, 312, 'gbrp');
  // ffmpeg's yuv→gbrp and yuv→bgr24 conversions differ slightly (chroma), so the packed
  // reference is the same planar pixels re-packed.
  const packed = planarToBgr({ format: 'gbrp', data: planar, width: 416, height: 312 });
  const [viaBgr24] = await vtestFrames([7], { width: 416, height: 312 });
  let mean = 0;
  for (let i = 0; i < packed.data.length; i++) mean += Math.abs(packed.data[i]! - viaBgr24!.data[i]!);
  assert.ok(mean / packed.data.length < 3, 'the same frame either way');
  const specs = [
    { channelOrder: 'bgr', mean: [0, 0, 0], std: [1, 1, 1], letterbox: 'top-left', pad: 114 },
    { channelOrder: 'rgb', mean: [10, 20, 30], std: [2, 4, 8], letterbox: 'centre', pad: 0 },
  ] as const;
  for (const spec of specs) {
    for (const [W, H] of [[416, 416], [448, 320]] as const) {
      const a = new Letterbox(spec).run(packed, W, H);
      const b = new Letterbox(spec).run({ format: 'gbrp', data: planar, width: 416, height: 312 }, W, H);
      assert.equal(b.contentWidth, a.contentWidth);
      let maxDiff = 0;
      for (let i = 0; i < a.tensor.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.tensor[i]! - b.tensor[i]!));
      assert.ok(maxDiff < 1e-4, `${spec.letterbox} ${W}×${H}: max difference ${maxDiff}`);
    }
  }
});

test('a trimmed letterbox keeps the scale and ends at the picture rounded up to the stride', () => {
  const top = new Letterbox({ channelOrder: 'bgr', mean: [0, 0, 0], std: [1, 1, 1], letterbox: 'top-left', pad: 114 });
  const wide = top.trimmed(top.layout(768, 576, 416, 416), 32);
  assert.deepEqual(wide, { width: 416, height: 320, scale: 416 / 768, padX: 0, padY: 0, contentWidth: 416, contentHeight: 312 });
  // A portrait picture trims the width; an exact fit and a square picture keep the full size.
  assert.deepEqual([top.trimmed(top.layout(810, 1080, 416, 416), 32).width, top.trimmed(top.layout(810, 1080, 416, 416), 32).height], [320, 416]);
  assert.deepEqual(top.trimmed(top.layout(500, 500, 416, 416), 32), top.layout(500, 500, 416, 416));
  const centre = new Letterbox({ channelOrder: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], letterbox: 'centre', pad: 0 });
  const c = centre.trimmed(centre.layout(1000, 500, 416, 416), 32);
  assert.deepEqual([c.width, c.height, c.contentHeight, c.padY, c.padX], [416, 224, 208, 8, 0]);
});
