// Webhooks to external city platforms (the bureau's case system, the command centre):
// HMAC-SHA256 over timestamp + body, an idempotency key that stays the same across retries,
// and a clear split between errors worth retrying and ones that are not.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parse } from 'yaml';
import { UnrecoverableError } from 'bullmq';
import type { NotifyJobT } from './queues.ts';

export const WebhookEndpoint = z.object({
  id: z.string().regex(/^[\w-]+$/),
  url: z.url(),
  /** Shared secret, or `env:NAME` to read it from the environment. */
  secret: z.string().min(1),
  /** Notification kinds to send (case.created, case.dispatched, case.review_overdue, …); '*' = all. */
  events: z.array(z.string()).default(['*']),
  timeoutMs: z.number().int().positive().default(10_000),
});
export type WebhookEndpointT = z.infer<typeof WebhookEndpoint>;

export async function loadWebhooks(file: string | undefined = process.env.HUIYAN_WEBHOOKS, env = process.env): Promise<WebhookEndpointT[]> {
  if (!file) return [];
  const doc = z.object({ endpoints: z.array(WebhookEndpoint).default([]) }).parse(parse(await readFile(file, 'utf8')) ?? {});
  return doc.endpoints.map((e) => {
    if (!e.secret.startsWith('env:')) return e;
    const v = env[e.secret.slice(4)];
    if (!v) throw new Error(`webhook ${e.id}: environment variable ${e.secret.slice(4)} is not set`);
    return { ...e, secret: v };
  });
}

export const wants = (e: WebhookEndpointT, kind: string) => e.events.includes('*') || e.events.includes(kind);

export function signature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** For receivers (and tests): checks the signature and that the timestamp is recent. */
export function verifySignature(secret: string, headers: Record<string, string | string[] | undefined>, body: string, toleranceMs = 300_000, now = Date.now()): boolean {
  const ts = String(headers['x-huiyan-timestamp'] ?? '');
  const sig = String(headers['x-huiyan-signature'] ?? '');
  if (!/^\d+$/.test(ts) || Math.abs(now - Number(ts)) > toleranceMs) return false;
  const want = Buffer.from(signature(secret, ts, body));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got);
}

export class WebhookError extends Error {
  override name = 'WebhookError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/**
 * One delivery attempt; throws on failure so the notify queue retries with back-off.
 * 4xx answers other than 408/409/425/429 mean the request itself is wrong: no retry.
 * 409 counts as delivered (the receiver already has this idempotency key).
 */
export async function deliverWebhook(e: WebhookEndpointT, n: NotifyJobT, now = Date.now()): Promise<number> {
  const body = JSON.stringify({ id: `n${n.notificationId}`, kind: n.kind, caseId: n.caseId, createdAt: n.createdAt, data: n.payload });
  const ts = String(now);
  let res: Response;
  try {
    res = await fetch(e.url, {
      method: 'POST',
      body,
      signal: AbortSignal.timeout(e.timeoutMs),
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'idempotency-key': `huiyan-n${n.notificationId}`,
        'x-huiyan-event': n.kind,
        'x-huiyan-timestamp': ts,
        'x-huiyan-signature': signature(e.secret, ts, body),
      },
    });
  } catch (err) {
    throw new WebhookError(`webhook ${e.id}: ${(err as Error).message}`);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok || res.status === 409) return res.status;
  const msg = `webhook ${e.id} answered ${res.status}`;
  if (res.status >= 400 && res.status < 500 && ![408, 425, 429].includes(res.status)) throw new UnrecoverableError(msg);
  throw new WebhookError(msg, res.status);
}
