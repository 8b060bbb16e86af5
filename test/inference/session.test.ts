import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { loadManifest, resolveModel, PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { cudaUnavailableReason, openSession } from '../../src/inference/session.ts';

test('asking for CUDA uses it when the build has it, else falls back to CPU with a log line', async () => {
  const model = await resolveModel(await loadManifest(), 'yunet');
  const why = cudaUnavailableReason();
  const opened = await openSession(model.path, { provider: 'cuda', threads: 1 });
  try {
    assert.equal(opened.provider, why ? 'cpu' : 'cuda');
    assert.equal(opened.threads, 1);
    assert.deepEqual(opened.session.inputNames, ['input']);
  } finally {
    await opened.session.release();
  }
  if (why) {
    // The fallback is announced on stderr as one JSON log line.
    const script = `import { openSession } from './src/inference/session.ts';
      const s = await openSession(${JSON.stringify(model.path)}, { provider: 'cuda', threads: 1 }); await s.session.release();`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const line = JSON.parse(r.stderr.trim().split('\n').find((l) => l.includes('CUDA'))!);
    assert.equal(line.level, 'warn');
    assert.match(line.msg, /CUDA execution provider requested but unavailable; using CPU/);
    assert.equal(line.reason, why);
  }
});
