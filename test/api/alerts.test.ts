// Alerts from other processes: a case worker publishes on Redis (bridge) or completes a job on
// the case queue (queue feed); both hand alerts to the in-process bus that feeds the SSE
// streams. Real Redis on 127.0.0.1:6379, real BullMQ, real case worker step.
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { AlertBus, type AlertT } from '../../src/api/alerts/bus.ts';
import { publishAlert, RedisAlertBridge } from '../../src/api/alerts/redis-bridge.ts';
import { CAM_A, CAM_B, sealHit, startHarness } from './support/harness.ts';
import { startQueuePath } from './support/queue-source.ts';

const REDIS = process.env.HUIYAN_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const channel = `huiyan:test:${randomBytes(4).toString('hex')}:alerts`;
const bus = new AlertBus();
const bridge = new RedisAlertBridge(bus, REDIS, channel);
const pub = new Redis(REDIS);
after(async () => {
  await bridge.stop();
  pub.disconnect();
});

const alert = (n: number): AlertT => ({
  caseId: `case-${n}`, hitId: `hit-${n}`, cameraId: 'cam-a', district: '示范区', street: '示范街道',
  category: 'vending', state: 'pending_review', score: 0.8, at: Date.now(),
});

it('carries valid alerts from Redis to the bus and drops malformed ones', async () => {
  await bridge.start();
  const got: AlertT[] = [];
  bus.subscribe((a) => got.push(a));
  await pub.publish(channel, '{"caseId": 42}');
  await pub.publish(channel, 'not json');
  await publishAlert(pub, alert(1), channel);
  await publishAlert(pub, alert(2), channel);
  const deadline = Date.now() + 10_000;
  while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(got.map((a) => a.caseId), ['case-1', 'case-2']);
  assert.deepEqual(bridge.health(), { connected: true, received: 2, rejected: 2 });
  await assert.rejects(publishAlert(pub, { ...alert(3), category: 'jaywalking' } as unknown as AlertT, channel));
});

it('announces each case the case worker creates from the case queue, once', async () => {
  const h = await startHarness(18082);
  const q = await startQueuePath(h);
  try {
    const got: AlertT[] = [];
    h.bus.subscribe((a) => got.push(a));
    const { caseId } = await q.source(h, CAM_A);
    const deadline = Date.now() + 30_000;
    while (!got.some((a) => a.caseId === caseId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const mine = got.filter((a) => a.caseId === caseId);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].state, 'pending_review');
    assert.equal(mine[0].cameraName, '示范街道 北口');
    assert.equal(mine[0].district, CAM_A.district);
    // The same hit delivered twice (a second evidence worker, another job id): one case, one alert.
    const sealed = await sealHit(h, CAM_B);
    const done = q.feed.health().completed;
    await q.enqueue(sealed, 'twice-1');
    await q.enqueue(sealed, 'twice-2');
    while (q.feed.health().completed < done + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(q.feed.health().completed, done + 2);
    const c = (await h.store.getCaseByHit(sealed.hit.hitId))!;
    while (!got.some((a) => a.caseId === c.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.filter((a) => a.caseId === c.id).length, 1);
    assert.equal(got.filter((a) => a.caseId === caseId).length, 1);
  } finally {
    await q.close();
    await h.close();
  }
});

it('a warn-first hit is announced when its grace period ends unheeded, not while warned', async () => {
  const h = await startHarness(18083);
  const wf = { graceSeconds: 60, channels: [{ kind: 'loudspeaker' as const, url: 'http://127.0.0.1:9/tts', repeat: 2, timeoutMs: 1000 }] };
  const q = await startQueuePath(h, undefined, wf);
  try {
    const got: AlertT[] = [];
    h.bus.subscribe((a) => got.push(a));
    const sealed = await sealHit(h, CAM_A);
    const done = q.feed.health().completed;
    await q.enqueue(sealed);
    const deadline = Date.now() + 30_000;
    while (q.feed.health().completed < done + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const c = (await h.store.getCaseByHit(sealed.hit.hitId))!;
    assert.equal(c.state, 'warned');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.filter((a) => a.caseId === c.id).length, 0, 'no alert while warned');
    // Still there after the grace period: the detector's update with its frame files the case.
    const seen = sealed.hit.at + 61_000;
    await q.enqueue({ hit: { ...sealed.hit, event: 'updated', seq: 1, at: seen, lastSeenAt: seen, evidenceDue: true }, evidence: sealed.evidence });
    while (!got.some((a) => a.caseId === c.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got.filter((a) => a.caseId === c.id).map((a) => a.state), ['pending_review']);
  } finally {
    await q.close();
    await h.close();
  }
});
