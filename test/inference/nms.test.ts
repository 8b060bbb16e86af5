import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Candidates, nms } from '../../src/inference/nms.ts';

test('NMS keeps the best of overlapping boxes per class, best first, and grows its buffers', () => {
  const c = new Candidates(2);
  c.push(0, 0, 10, 10, 0.5, 0);
  c.push(1, 1, 11, 11, 0.9, 0); // overlaps the first (IoU 0.68)
  c.push(1, 1, 11, 11, 0.8, 1); // same place, other class
  c.push(50, 50, 60, 60, 0.7, 0);
  c.push(0, 0, 10, 10, 0.6, 1); // overlaps the class-1 box
  assert.deepEqual(nms(c, 0.45, true), [1, 2, 3]);
  assert.deepEqual(nms(c, 0.45, false), [1, 3]);
  assert.deepEqual(nms(c, 0.7, true), [1, 2, 3, 4, 0]);
  c.reset();
  assert.deepEqual(nms(c, 0.45), []);
});
