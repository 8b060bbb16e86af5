import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadManifest, resolveModel, ModelFileError, sha256File } from '../../src/inference/manifest.ts';
import { buildQuantised, quantisedEntries } from '../../tools/quantize/build.ts';

test('every model in the manifest resolves and verifies', async () => {
  const manifest = await loadManifest();
  // The int8 models are built here (npm run quantize), never downloaded.
  for (const m of quantisedEntries(manifest)) await buildQuantised(m.id, { manifest });
  for (const m of manifest.models) {
    const r = await resolveModel(manifest, m.id);
    assert.equal(await sha256File(r.path), m.sha256);
  }
  const yolox = await resolveModel(manifest, 'yolox-nano');
  assert.equal(yolox.classNames.length, 80);
  assert.equal(yolox.labelOf(0), 'person');
  assert.equal(yolox.labelOf(7), 'truck');
  assert.equal(yolox.labelOf(25), 'vendor-object');
  assert.equal(yolox.labelOf(79), 'other');
});

test('a wrong sha256 is refused with both hashes and the path', async () => {
  const manifest = await loadManifest();
  const bad = structuredClone(manifest);
  bad.models[0]!.sha256 = '0'.repeat(64);
  await assert.rejects(resolveModel(bad, 'yolox-nano'), (e: unknown) => {
    assert.ok(e instanceof ModelFileError);
    assert.match(e.message, /has sha256 695e750a.* but the manifest expects 0{64}/);
    return true;
  });
});

test('a missing file says where it looked and how to get it', async (t) => {
  const manifest = await loadManifest();
  const empty = await mkdtemp(path.join(os.tmpdir(), 'huiyan-models-'));
  t.after(() => rm(empty, { recursive: true, force: true }));
  await assert.rejects(resolveModel(manifest, 'nanodet-m', [empty]), (e: unknown) => {
    assert.ok(e instanceof ModelFileError);
    assert.ok(e.message.includes(path.join(empty, 'nanodet_m_416_coco.onnx')));
    assert.match(e.message, /HUIYAN_MODELS_DIR/);
    return true;
  });
});

test('HUIYAN_MODELS_DIR-style folders are searched, and a corrupted copy is caught', async (t) => {
  const manifest = await loadManifest();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-models-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const src = (await resolveModel(manifest, 'yunet')).path;
  const copy = path.join(dir, path.basename(src));
  await copyFile(src, copy);
  assert.equal((await resolveModel(manifest, 'yunet', [dir])).path, copy);
  const bytes = await readFile(copy);
  bytes[1000] ^= 0xff;
  await writeFile(copy, bytes);
  await assert.rejects(resolveModel(manifest, 'yunet', [dir]), /has sha256/);
});

test('an invalid manifest names the field', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-manifest-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'manifest.json');
  await writeFile(file, JSON.stringify({ models: [{ id: 'x', family: 'yolox', file: 'x.onnx', sha256: 'nothex' }] }));
  await assert.rejects(loadManifest(file), /models\.0\.sha256: expected a lowercase hex sha256/);
});
