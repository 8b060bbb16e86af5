// The disk guard's thresholds: configurable, and by default scaled to the volume (the fixed
// 2 GiB minimum refused every bundle on a 20 MiB evidence volume). Real statfs on the temp dir.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { DiskFullError, DiskGuard } from '../../src/evidence/disk-guard.ts';
import { diskGuardOptions, evidenceEnv } from '../../src/evidence/config.ts';
import { createLogger } from '../../src/util/log.ts';

const log = createLogger({ test: 'disk-guard' });
const MiB = 2 ** 20;

it('default minimum free space is 2 GiB but at most 10% of the volume', () => {
  const g = new DiskGuard({ paths: [os.tmpdir()] }, log);
  assert.equal(g.minFreeFor(20 * MiB), 2 * MiB);
  assert.equal(g.minFreeFor(2 ** 40), 2 * 2 ** 30);
});

it('thresholds come from HUIYAN_EVIDENCE_MIN_FREE_MB / _PERCENT', () => {
  assert.deepEqual(diskGuardOptions(evidenceEnv({ HUIYAN_EVIDENCE_MIN_FREE_MB: '1', HUIYAN_EVIDENCE_MIN_FREE_PERCENT: '0.5' })), { minFreeBytes: MiB, minFreeFraction: 0.005 });
  assert.deepEqual(diskGuardOptions(evidenceEnv({})), { minFreeBytes: undefined, minFreeFraction: 0.05 });
  assert.throws(() => evidenceEnv({ HUIYAN_EVIDENCE_MIN_FREE_PERCENT: '150' }), /MIN_FREE_PERCENT/);
});

it('refuses with one alert per episode when the configured minimum is not met', async () => {
  const [s] = await new DiskGuard({ paths: [os.tmpdir()] }, log).status();
  const g = new DiskGuard({ paths: [os.tmpdir()], minFreeBytes: s!.freeBytes + 2 ** 30, minFreeFraction: 0 }, log);
  let alerts = 0;
  g.on('alert', () => alerts++);
  await assert.rejects(g.check(), DiskFullError);
  await assert.rejects(g.check(), DiskFullError);
  assert.equal(alerts, 1);
  const fine = new DiskGuard({ paths: [os.tmpdir()], minFreeBytes: 0, minFreeFraction: 0 }, log);
  await fine.check();
});
