// Strict config: misspelled keys are errors with file:line and a suggestion, the docs' examples
// are loaded here so they cannot drift from the schema, and `huiyan config check` lists every
// issue with exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseStreamsYaml, parseStrict, formatIssue } from '../../src/config/load.ts';
import { Gb28181Config } from '../../src/ingest/gb28181/config.ts';
import { Camera } from '../../src/config/schema.ts';
import { didYouMean } from '../../src/config/strict.ts';
import { rtspUrl } from '../../src/ingest/sources.ts';
import { checkConfig } from '../../src/config/check.ts';
import { DEFAULT_MANIFEST } from '../../src/inference/manifest.ts';
import { DEFAULT_CODES_FILE, loadViolationCodes } from '../../src/cases/codes.ts';

const camera = (extra: string, zoneExtra = '') => `cameras:
  - id: cam-a
    name: A
    location: { district: 徐汇区, street: 漕河泾街道 }
    source: { kind: rtsp, url: "rtsp://127.0.0.1:8554/a" }
${extra}    zones:
      - id: z1
        type: no-vending
        polygon: [[0,0],[1,0],[1,1]]
${zoneExtra}`;

/** The first ```yaml block after `marker` in a Markdown file. */
async function yamlBlock(file: string, marker: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  const at = text.indexOf(marker);
  assert.ok(at >= 0, `${marker} not found in ${file}`);
  const m = /```yaml\n([\s\S]*?)```/.exec(text.slice(at));
  assert.ok(m, `no yaml block after ${marker}`);
  return m[1]!;
}

test('the misspellings of issue 11 are errors with the line and a "did you mean"', () => {
  const cases: Array<[string, string, string, number]> = [
    ['', '        schedules: [{ from: "07:00", to: "22:00" }]\n', 'schedule', 10],
    ['', '        dwellSecond: 60\n', 'dwellSeconds', 10],
    ['    sampling: { fps: 1, keyframeOnly: true }\n', '', 'keyframesOnly', 6],
    ['    keypoint: true\n', '', 'keyPoint', 6],
    ['    rule: [vending]\n', '', 'rules', 6],
  ];
  for (const [cam, zone, want, line] of cases) {
    const { cameras, issues } = parseStreamsYaml(camera(cam, zone), 'cams.yaml');
    assert.equal(cameras.length, 0, `a camera with a typo is not loaded as if the key were absent (${want})`);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    const i = issues[0]!;
    assert.equal(i.line, line, formatIssue(i));
    assert.match(i.message, new RegExp(`did you mean '${want}'`), formatIssue(i));
  }
  assert.equal(didYouMean('colour', ['schedule', 'polygon']), undefined, 'no wild guesses');
});

test('a misspelt value of a closed list (rule, zone type, source kind) gets a "did you mean" too', () => {
  const cases: Array<[string, string, string]> = [
    [camera('    rules: [vendng]\n'), 'vending', 'rules'],
    [camera('').replace('type: no-vending', 'type: no-vendng'), 'no-vending', 'type'],
    [camera('').replace('kind: rtsp', 'kind: rstp'), 'rtsp', 'kind'],
  ];
  for (const [yaml, want, key] of cases) {
    const { cameras, issues } = parseStreamsYaml(yaml, 'cams.yaml');
    assert.equal(cameras.length, 0);
    assert.ok(issues.length >= 1, JSON.stringify(issues));
    const i = issues.find((x) => x.message.includes('did you mean'));
    assert.ok(i, `a suggestion for ${want}: ${issues.map(formatIssue).join(' | ')}`);
    assert.match(i.message, new RegExp(`did you mean '${want}'`), formatIssue(i));
    assert.match(formatIssue(i), new RegExp(key), 'the issue names where');
  }
});

test("README's camera example and docs/gb28181.md's examples load without an issue", async () => {
  const readme = await yamlBlock('README.md', 'Cameras live in');
  const r = parseStreamsYaml(readme, 'README.md');
  assert.deepEqual(r.issues, []);
  assert.equal(r.cameras.length, 1);
  const gb = await yamlBlock('docs/gb28181.md', 'Server settings (one per appliance)');
  const g = parseStrict(Gb28181Config, gb, 'docs/gb28181.md');
  assert.deepEqual(g.issues, []);
  assert.equal(g.value?.password, 'change-me');
  assert.equal(g.value?.devices.length, 2);
  const cam = await yamlBlock('docs/gb28181.md', 'Per camera, in');
  const src = parseStrict(Camera.shape.source, cam.replace(/^source:\s*/, '').split('\n')[0]!, 'docs/gb28181.md');
  assert.deepEqual(src.issues, []);
});

test("docs/cases.md's warn-first zone loads without an issue; a misspelt channel key is refused", async () => {
  const block = await yamlBlock('docs/cases.md', 'Per zone in the camera config');
  const cam = 'cameras:\n  - id: wf\n    name: wf\n    location: { district: 徐汇区, street: 漕河泾街道 }\n    source: { kind: rtsp, url: rtsp://10.0.0.1/a }\n'
    + block.split('\n').map((l) => `    ${l}`).join('\n');
  const r = parseStreamsYaml(cam, 'docs/cases.md');
  assert.deepEqual(r.issues, []);
  const wf = r.cameras[0]!.zones[0]!.warnFirst;
  assert.equal(wf?.graceSeconds, 600);
  assert.deepEqual(wf?.channels.map((c) => c.kind), ['loudspeaker', 'sms', 'webhook']);
  const typo = parseStreamsYaml(cam.replace('toParty', 'toPary'), 'cams.yaml');
  assert.equal(typo.cameras.length, 0);
  assert.match(typo.issues[0]!.message, /did you mean 'toParty'/);
});

test('a GB28181 file wrapped in `gb28181:` (the old docs) is refused, not silently defaulted', () => {
  const { value, issues } = parseStrict(Gb28181Config, 'gb28181:\n  sipId: "34020000002000000001"\n  password: x\n', 'gb.yaml');
  assert.equal(value, undefined);
  assert.equal(issues[0]!.line, 1);
  assert.match(issues[0]!.message, /unknown key 'gb28181'/);
  const typo = parseStrict(Gb28181Config, 'sipPort: 5060\npasword: secret\n', 'gb.yaml');
  assert.match(formatIssue(typo.issues[0]!), /^gb\.yaml:2: pasword: unknown key 'pasword' — did you mean 'password'\?/);
});

test('RTSP credentials: separate fields are percent-encoded by us; an unparseable raw URL names the fix', () => {
  const pw = 'p@ss#w%rd:x';
  const ok = parseStreamsYaml(camera('').replace('url: "rtsp://127.0.0.1:8554/a" }', `url: "rtsp://127.0.0.1:8554/a", user: admin, password: "${pw}" }`), 'c.yaml');
  assert.deepEqual(ok.issues, []);
  const src = ok.cameras[0]!.source;
  assert.ok(src.kind === 'rtsp');
  assert.equal(rtspUrl(src), 'rtsp://admin:p%40ss%23w%25rd%3Ax@127.0.0.1:8554/a');
  const raw = parseStreamsYaml(camera('').replace('rtsp://127.0.0.1:8554/a', `rtsp://admin:${pw}@127.0.0.1:8554/a`), 'c.yaml');
  assert.equal(raw.cameras.length, 0);
  assert.match(raw.issues[0]!.message, /percent-encode/);
  assert.equal(raw.issues[0]!.path, 'cameras[0].source.url');
});

test('huiyan config check lists every issue and exits 1; a clean folder exits 0', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'huiyan-check-'));
  const dir = path.join(root, 'streams-config');
  await mkdir(dir);
  try {
    await writeFile(path.join(dir, 'a.yaml'), camera('    keypoint: true\n', '        schedules: []\n'));
    await writeFile(path.join(root, 'gb.yaml'), 'sipPort: 5060\npasword: x\n');
    const bad = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'config', 'check', dir, '--gb28181', path.join(root, 'gb.yaml')], { encoding: 'utf8' });
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stdout, /a\.yaml:6: cameras\[0\]\.keypoint: unknown key 'keypoint' — did you mean 'keyPoint'\?/);
    assert.match(bad.stdout, /a\.yaml:11: cameras\[0\]\.zones\[0\]\.schedules: .*did you mean 'schedule'/);
    assert.match(bad.stdout, /gb\.yaml:2: pasword/);
    assert.match(bad.stdout, /3 issue\(s\)/);
    await writeFile(path.join(dir, 'a.yaml'), camera(''));
    const good = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'config', 'check', dir], { encoding: 'utf8' });
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /^ok: 1 camera/m);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the model manifest (inside each model entry too) and the codes file: unknown keys with the line and a "did you mean"', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'huiyan-check-'));
  try {
    await mkdir(path.join(root, 'streams'));
    const manifest = (await readFile(DEFAULT_MANIFEST, 'utf8')).replace('"labels"', '"lables"');
    const codes = (await readFile(DEFAULT_CODES_FILE, 'utf8')).replace('reviewSlaMinutes:', 'reviewSlaMinute:');
    const lineOf = (text: string, s: string) => text.slice(0, text.indexOf(s)).split('\n').length;
    await writeFile(path.join(root, 'manifest.json'), manifest);
    await writeFile(path.join(root, 'codes.yaml'), codes);
    const { issues } = await checkConfig({ streamsDir: path.join(root, 'streams'), manifestFile: path.join(root, 'manifest.json'), codesFile: path.join(root, 'codes.yaml') });
    const text = issues.map(formatIssue);
    // One issue per typo: a misspelt required key is not also reported as missing.
    assert.equal(issues.length, 2, text.join('\n'));
    assert.match(text[0]!, new RegExp(`manifest\\.json:${lineOf(manifest, '"lables"')}: models\\[0\\]\\.lables: unknown key 'lables' — did you mean 'labels'\\?`));
    assert.match(text[1]!, new RegExp(`codes\\.yaml:${lineOf(codes, 'reviewSlaMinute:')}: rules\\.vending\\.reviewSlaMinute: unknown key 'reviewSlaMinute' — did you mean 'reviewSlaMinutes'\\?$`));
    // The appliance's own loader says the same.
    await assert.rejects(loadViolationCodes(path.join(root, 'codes.yaml')), new RegExp(`codes\\.yaml:${lineOf(codes, 'reviewSlaMinute:')}: .*did you mean 'reviewSlaMinutes'`));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
