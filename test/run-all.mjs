// Runs every test/**/*.test.ts with node's test runner (through tsx), one file at a time:
// the suites start real servers (RTSP, S3, Redis, GB28181) on fixed loopback ports.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : find(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}

const only = process.argv.slice(2);
const files = (only.length ? only : find('test')).sort();
const r = spawnSync(
  process.execPath,
  [
    '--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec',
    // A file whose tests are all done exits even if a library left a handle open (seen once with
    // Chromium's pipes after browser.close()); a test stuck for 10 minutes fails instead of
    // blocking CI.
    '--test-force-exit', '--test-timeout=600000',
    ...files,
  ],
  // Info logs of every stage would bury the test report; warnings and errors still show.
  { stdio: 'inherit', env: { ...process.env, HUIYAN_LOG_LEVEL: process.env.HUIYAN_LOG_LEVEL ?? 'warn' } },
);
process.exit(r.status ?? 1);
