import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadStreamsConfig, parseStreamsYaml, formatIssue } from '../../src/config/load.ts';
import { streamsJsonSchema } from '../../src/config/json-schema.ts';

const good = `
cameras:
  - id: cam-a
    name: A
    location: { district: 徐汇区, street: 漕河泾街道 }
    source: { kind: rtsp, url: rtsp://127.0.0.1:8554/a }
    rules: [vending]
    zones:
      - id: z1
        type: no-vending
        polygon: [[0,0],[1,0],[1,1]]
`;

test('the shipped demo config is valid', async () => {
  const cfg = await loadStreamsConfig(path.resolve('streams-config'));
  assert.deepEqual(cfg.issues, []);
  assert.ok(cfg.cameras.some((c) => c.id === 'demo-vtest'));
});

test('defaults are filled in from the schema', () => {
  const { cameras, issues } = parseStreamsYaml(good, 'good.yaml');
  assert.deepEqual(issues, []);
  const cam = cameras[0]!;
  assert.equal(cam.sampling.fps, 1);
  assert.equal(cam.source.kind === 'rtsp' && cam.source.transport, 'tcp');
  const zone = cam.zones[0]!;
  assert.equal(zone.type === 'no-vending' && zone.dwellSeconds, 300);
});

test('a bad camera is reported with file, YAML path and line, and the good one survives', () => {
  const text = good + `
  - id: cam-b
    name: B
    location: { district: 徐汇区, street: x }
    source: { kind: gb28181, deviceId: "123", channelId: "34020000001320000001" }
    zones:
      - id: z2
        type: no-vending
        polygon: [[0,0],[1.5,0],[1,1]]
`;
  const { cameras, issues } = parseStreamsYaml(text, 'streams.yaml');
  assert.deepEqual(cameras.map((c) => c.id), ['cam-a']);
  const messages = issues.map(formatIssue);
  const gb = messages.find((m) => m.includes('cameras[1].source.deviceId'));
  assert.ok(gb, messages.join('\n'));
  assert.match(gb!, /^streams\.yaml:16: .*20-digit/);
  assert.ok(messages.some((m) => /cameras\[1\]\.zones\[0\]\.polygon\[1\]\[0\]/.test(m)), messages.join('\n'));
});

test('YAML syntax errors name the file and line', () => {
  const { cameras, issues } = parseStreamsYaml('cameras:\n  - id: [unclosed\n', 'broken.yaml');
  assert.equal(cameras.length, 0);
  assert.equal(issues[0]!.file, 'broken.yaml');
  assert.match(issues[0]!.message, /YAML syntax/);
  assert.ok(issues[0]!.line && issues[0]!.line >= 2);
});

test('duplicate camera ids across files keep the first and report the second', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-cfg-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'a.yaml'), good);
  await writeFile(path.join(dir, 'b.yaml'), good);
  await writeFile(path.join(dir, 'c.yaml'), 'cameras: 7\n');
  const cfg = await loadStreamsConfig(dir);
  assert.equal(cfg.cameras.length, 1);
  assert.ok(cfg.issues.some((i) => i.file.endsWith('b.yaml') && /duplicate camera id cam-a/.test(i.message)));
  assert.ok(cfg.issues.some((i) => i.file.endsWith('c.yaml') && i.path === 'cameras'));
});

test('the committed JSON Schema matches the zod schema', async () => {
  const committed = JSON.parse(await readFile('streams-config/camera.schema.json', 'utf8'));
  assert.deepEqual(committed, JSON.parse(JSON.stringify(streamsJsonSchema())));
});
