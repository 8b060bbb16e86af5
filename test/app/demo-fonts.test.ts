// The demo needs a CJK font (posters, labels, watermarks): without one it stops before starting
// anything and says what to install; its cached footage is keyed by the fonts it was drawn with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cjkFontFiles, footageKey } from '../../src/app/demo-fonts.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';

/** A fontconfig setup that sees no fonts at all, as on a machine without any installed. */
function noFonts(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-nofonts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = path.join(dir, 'fonts.conf');
  writeFileSync(conf, `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>${dir}</dir><cachedir>${dir}</cachedir></fontconfig>`);
  return conf;
}

test('a CJK font is found here, and the footage key changes with the fonts and the parameters', (t) => {
  assert.ok(cjkFontFiles().length > 0, 'install fonts-noto-cjk (.ci/run does)');
  const withFonts = footageKey('poster', 1);
  assert.equal(footageKey('poster', 1), withFonts);
  assert.notEqual(footageKey('poster', 2), withFonts);
  const saved = process.env.FONTCONFIG_FILE;
  process.env.FONTCONFIG_FILE = noFonts(t);
  try {
    assert.deepEqual(cjkFontFiles(), []);
    assert.notEqual(footageKey('poster', 1), withFonts, 'footage drawn without the font gets another key');
  } finally {
    if (saved === undefined) delete process.env.FONTCONFIG_FILE;
    else process.env.FONTCONFIG_FILE = saved;
  }
});

test('without a CJK font the demo stops at once with one line saying what to install', (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--port', '0'], {
    cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, FONTCONFIG_FILE: noFonts(t) },
  });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /no Chinese \(CJK\) font.*apt-get install -y fonts-noto-cjk/);
});
