// Live play end to end: the simulator streams vtest as PS over RTP (UDP, TCP passive, TCP
// active), the server decodes it through ffmpeg, and the frames are compared with vtest itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Camera } from '../../src/config/schema.ts';
import { liveChildPids } from '../../src/ingest/child-registry.ts';
import type { Frame } from '../../src/ingest/types.ts';
import type { Gb28181Source } from '../../src/ingest/gb28181/source.ts';
import { CHANNELS, DEVICE_ID, PASSWORD, startService, startSim, until } from './helpers.ts';

const SECOND_DEVICE = '34020000001320000002';
import { VTEST } from './sim/ps-source.ts';
import type { DeviceSimulator } from './sim/device-sim.ts';

const PORT = 15066;
let env: Awaited<ReturnType<typeof startService>>;
let sim: DeviceSimulator;
/** The first 8 s of vtest at 10 fps, scaled like the detector image (416×312 BGR). */
let refs: Buffer[] = [];

before(async () => {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-t', '8', '-i', VTEST, '-vf', 'scale=416:312', '-f', 'rawvideo', '-pix_fmt', 'bgr24', 'pipe:1'], {
    maxBuffer: 200 * 1024 * 1024,
  });
  const size = 416 * 312 * 3;
  for (let o = 0; o + size <= raw.length; o += size) refs.push(raw.subarray(o, o + size));
  env = await startService(PORT, { streamTimeoutSeconds: 2, devices: [{ id: DEVICE_ID, password: PASSWORD }, { id: SECOND_DEVICE, password: PASSWORD }] });
  sim = await startSim({ localPort: 15067, serverPort: PORT, tcpActivePort: 30450 });
  assert.deepEqual((await sim.register()).statuses, [401, 200]);
  sim.startKeepalives();
  await until('channels', () => env.svc.server.device(DEVICE_ID)?.channels.length === 2);
});
after(async () => {
  await sim?.close();
  await env?.close();
  refs = [];
});

function camera(transport: 'udp' | 'tcp-passive' | 'tcp-active') {
  return Camera.parse({
    id: `gb-${transport}`,
    name: 'GB channel',
    location: { district: '徐汇区', street: '漕河泾街道' },
    source: { kind: 'gb28181', deviceId: DEVICE_ID, channelId: CHANNELS[0].id, transport },
    sampling: { fps: 2, keyframesOnly: false },
  });
}

/** Mean absolute difference per byte to the closest vtest frame. */
function closestVtest(f: Frame): number {
  let best = Infinity;
  for (const r of refs) {
    let sum = 0;
    for (let i = 0; i < r.length; i += 7) sum += Math.abs(r[i] - f.bgr.data[i]);
    best = Math.min(best, sum / Math.ceil(r.length / 7));
  }
  return best;
}

async function take(src: Gb28181Source, n: number, timeoutMs = 60_000): Promise<Frame[]> {
  const out: Frame[] = [];
  const it = src.frames()[Symbol.asyncIterator]();
  const deadline = setTimeout(() => void it.return?.(), timeoutMs);
  try {
    while (out.length < n) {
      const r = await it.next();
      if (r.done) break;
      out.push(r.value);
    }
  } finally {
    clearTimeout(deadline);
  }
  return out;
}

for (const transport of ['udp', 'tcp-passive', 'tcp-active'] as const) {
  test(`INVITE over ${transport} media: decoded vtest frames arrive`, async () => {
    const src = env.svc.createSource(camera(transport));
    src.start();
    try {
      const frames = await take(src, 3);
      assert.equal(frames.length, 3, `got ${frames.length} frames; health ${JSON.stringify(src.health())} play ${JSON.stringify(src.playStats())}`);
      for (const f of frames) {
        assert.equal(f.sourceWidth, 384);
        assert.equal(f.sourceHeight, 288);
        assert.deepEqual([f.bgr.width, f.bgr.height], [416, 312]);
        assert.equal(f.jpeg[0], 0xff);
        assert.equal(f.jpeg[1], 0xd8);
        const d = closestVtest(f);
        if (process.env.GB_DEBUG) console.log(`frame ${f.seq}: closest vtest MAD ${d.toFixed(2)}, inverted ${closestVtest({ ...f, bgr: { ...f.bgr, data: Buffer.from(f.bgr.data.map((v) => 255 - v)) } }).toFixed(1)}`);
        assert.ok(d < 12, `frame ${f.seq} differs from every vtest frame by ${d.toFixed(1)} per byte`);
      }
      // A control: the same comparison on an inverted picture must fail, or the check is void.
      const inv: Frame = { ...frames[0], bgr: { ...frames[0].bgr, data: Buffer.from(frames[0].bgr.data.map((v) => 255 - v)) } };
      assert.ok(closestVtest(inv) > 40);
      const st = src.playStats();
      assert.equal(st.rtp?.wrongSsrc, 0);
      assert.ok((st.ps?.packs ?? 0) > 0);
      assert.equal(st.ps?.streams[0xe2] ?? st.ps?.streams[0xe0], 'h264');
      assert.equal(src.health().state, 'live');
    } finally {
      await src.stop();
    }
    await until('BYE reached the device', () => sim.counters.byes >= 1);
  });
}

test('reordered and duplicated UDP packets are put back in order and still decode to vtest', async () => {
  sim.disorder = true;
  const src = env.svc.createSource(camera('udp'));
  src.start();
  try {
    const frames = await take(src, 3);
    assert.equal(frames.length, 3);
    for (const f of frames) assert.ok(closestVtest(f) < 12, `frame ${f.seq} off by ${closestVtest(f).toFixed(1)}`);
    const ro = src.playStats().rtp!.reorder;
    assert.ok(ro.reordered > 0, JSON.stringify(ro));
    assert.ok(ro.duplicate > 0, JSON.stringify(ro));
  } finally {
    sim.disorder = false;
    await src.stop();
  }
});

test('corrupted PS (2 % of packets with overwritten bytes) never stops the source; frames keep coming', async () => {
  sim.corrupt = 0.02;
  const src = env.svc.createSource(camera('udp'));
  src.start();
  try {
    const frames = await take(src, 6);
    assert.equal(frames.length, 6, JSON.stringify(src.health()));
    assert.equal(frames.every((f) => f.jpeg[0] === 0xff && f.bgr.data.length === 416 * 312 * 3), true);
  } finally {
    sim.corrupt = 0;
    await src.stop();
  }
});

test('frames that stop while RTP still arrives (a hung encoder): stalled, not left live', async () => {
  const src = env.svc.createSource(camera('udp'));
  src.start();
  try {
    assert.equal((await take(src, 2)).length, 2);
    sim.blankMedia(true);
    const blankAt = Date.now();
    const packets = src.playStats().rtp?.packets ?? 0;
    await until('stalled', () => src.health().state === 'stalled', 20_000);
    assert.ok((src.playStats().rtp?.packets ?? 0) > packets + 10, 'RTP kept arriving');
    assert.ok(Date.now() - blankAt < 8000, `stalled after ${Date.now() - blankAt} ms (timeout ${src.health().stallAfterMs} ms)`);
    assert.match(src.health().lastError ?? '', /^no frame for \d+ s$/);
  } finally {
    sim.blankMedia(false);
    await src.stop();
  }
});

test('INVITE, ACK and BYE over TCP SIP signalling', async () => {
  const tcpSim = await startSim({ localPort: 15078, serverPort: PORT, sipTransport: 'tcp', deviceId: SECOND_DEVICE });
  try {
    assert.deepEqual((await tcpSim.register()).statuses, [401, 200]);
    tcpSim.startKeepalives();
    const src = env.svc.createSource(Camera.parse({ ...camera('udp'), id: 'gb-tcp-sip', source: { kind: 'gb28181', deviceId: SECOND_DEVICE, channelId: CHANNELS[1].id, transport: 'udp' } }));
    src.start();
    try {
      assert.equal((await take(src, 2)).length, 2);
      assert.equal(tcpSim.counters.acks, 1);
    } finally {
      await src.stop();
    }
    await until('BYE over TCP', () => tcpSim.counters.byes === 1);
  } finally {
    await tcpSim.close();
  }
});

test('RTP with an SSRC other than the negotiated one is dropped, and the play is retried', async () => {
  sim.wrongSsrc = true;
  const invitesBefore = sim.counters.invites;
  const src = env.svc.createSource(camera('udp'));
  src.start();
  try {
    await until('foreign SSRC packets counted', () => (src.playStats().rtp?.wrongSsrc ?? 0) > 20, 30_000);
    await until('re-INVITE after streamTimeoutSeconds without a usable packet', () => sim.counters.invites >= invitesBefore + 2, 30_000);
    assert.match(src.health().lastError ?? '', /no RTP within \d+ s of the ACK/);
    assert.equal(src.health().framesTotal, 0);
  } finally {
    sim.wrongSsrc = false;
    await src.stop();
  }
});

test('a play of a device that is not online reports the source down and keeps retrying', async () => {
  const src = env.svc.createSource(Camera.parse({ ...camera('udp'), id: 'gb-absent', source: { kind: 'gb28181', deviceId: '34020000001320000055', channelId: CHANNELS[0].id, transport: 'udp' } }));
  src.start();
  try {
    await until('down', () => src.health().state === 'down');
    assert.match(src.health().lastError ?? '', /not online/);
    await until('retried with back-off', () => src.playStats().reinvites >= 2, 30_000);
    assert.equal(src.health().framesTotal, 0);
  } finally {
    await src.stop();
  }
});

test('killing the device media makes the server BYE and re-INVITE after the receive timeout', async () => {
  const src = env.svc.createSource(camera('udp'));
  const invitesBefore = sim.counters.invites;
  const byesBefore = sim.counters.byes;
  src.start();
  try {
    assert.equal((await take(src, 2)).length, 2);
    const stoppedAt = Date.now();
    sim.stopMedia();
    await until('BYE after timeout', () => sim.counters.byes > byesBefore, 30_000);
    await until('re-INVITE', () => sim.counters.invites >= invitesBefore + 2, 30_000);
    assert.ok(Date.now() - stoppedAt >= 2000, 'not before the 2 s stream timeout');
    assert.equal(src.playStats().lastError === 'stream receive timeout' || src.health().lastError === 'stream receive timeout', true);
    // The camera recovers: media back on, the next INVITE brings frames again.
    sim.mediaEnabled = true;
    const before = src.health().framesTotal;
    await until('frames after recovery', () => src.health().framesTotal > before + 1, 60_000);
    assert.ok(src.health().reconnects >= 1);
  } finally {
    await src.stop();
  }
  assert.deepEqual(liveChildPids(), [], 'no ffmpeg left behind');
});
