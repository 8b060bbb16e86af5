// Runs every test/**/*.test.ts with node's test runner (through tsx), one file at a time:
// the suites start real servers (RTSP, S3, Redis, GB28181) on fixed loopback ports.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : find(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}

// Every temp file of the run (tests, the servers they start, Chromium) goes under one folder
// that is removed afterwards — even when a test process was killed before its own cleanup —
// so no huiyan-* folder is left in the system temp directory. Leftovers are listed first.
const runTmp = mkdtempSync(path.join(os.tmpdir(), 'huiyan-test-run-'));
function removeRunTmp() {
  // Caches are not leftovers: tsx's and Node's compile caches, and the e2e footage rendered
  // once per run and shared by the e2e files (test/e2e/support/footage.ts).
  const caches = (n) => n.startsWith('tsx-') || n === 'node-compile-cache' || n.startsWith('huiyan-e2e-footage-');
  const left = readdirSync(runTmp).filter((n) => !caches(n));
  if (left.length) process.stderr.write(`test run: ${left.length} temp entries not removed by their tests (now removed): ${left.slice(0, 20).join(', ')}${left.length > 20 ? ', …' : ''}\n`);
  rmSync(runTmp, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { removeRunTmp(); process.exit(130); });

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
    // An unhandled rejection fails the run, in the test files and in every child they spawn
    // (NODE_OPTIONS below): a dropped or failed promise must be handled where it is made.
    '--unhandled-rejections=strict',
    ...files,
  ],
  // Info logs of every stage would bury the test report; warnings and errors still show.
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      HUIYAN_LOG_LEVEL: process.env.HUIYAN_LOG_LEVEL ?? 'warn',
      TMPDIR: runTmp, TMP: runTmp, TEMP: runTmp,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --unhandled-rejections=strict`.trim(),
    },
  },
);
removeRunTmp();
process.exit(r.status ?? 1);
