// Every `huiyan` command answers --help with its usage (exit 0); user errors are one line with
// an exit code, and a stack trace appears only with --verbose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';

const huiyan = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
const commands = readdirSync(path.join(PROJECT_ROOT, 'src/cli/commands')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));

test('every command has --help', () => {
  assert.ok(commands.length >= 6, commands.join(','));
  for (const c of commands) {
    const r = huiyan(c, '--help');
    assert.equal(r.status, 0, `${c}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`usage: huiyan ${c}`), c);
  }
  const all = huiyan('--help');
  assert.equal(all.status, 0);
  for (const c of commands) assert.match(all.stdout, new RegExp(`\\b${c}\\b`));
});

test('a missing file is one clear line and exit 1; the stack only with --verbose', () => {
  const r = huiyan('analyze', 'no-such-video.mp4');
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), 'huiyan analyze: no such file: no-such-video.mp4');
  const bad = huiyan('analyze', '--fps', 'x', 'package.json');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^huiyan analyze: .*\nusage: huiyan analyze/);
  const quiet = huiyan('verify', 'all', '--keys', '/nonexistent-huiyan-keys');
  assert.equal(quiet.status, 1);
  assert.equal(quiet.stderr.trim().split('\n').length, 1, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /\n\s+at /);
  const loud = huiyan('verify', 'all', '--keys', '/nonexistent-huiyan-keys', '--verbose');
  assert.equal(loud.status, 1);
  assert.match(loud.stderr, /\n\s+at /);
  const unknown = huiyan('nonsense');
  assert.equal(unknown.status, 2);
});
