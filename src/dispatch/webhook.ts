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
  /**
   * The city platform: may call the inbound status API (/api/city/…) with requests signed by
   * this endpoint's secret (requestSignature), for the cases exported to it.
   */
  inbound: z.boolean().default(false),
}).strict();
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

/**
 * Signature of an inbound request (the city platform calling /api/city/…): HMAC-SHA256 over
 * `"<timestamp>.<METHOD> <path with query>\n<body>"` (body empty for a GET), so a signed body
 * cannot be moved to another case's URL. Header form `sha256=<hex>`.
 */
export function requestSignature(secret: string, timestamp: string, method: string, pathWithQuery: string, body: string): string {
  return signature(secret, timestamp, `${method.toUpperCase()} ${pathWithQuery}\n${body}`);
}

/** Equal strings in constant time (signatures). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** For receivers (and tests): checks the signature and that the timestamp is recent. */
export function verifySignature(secret: string, headers: Record<string, string | string[] | undefined>, body: string, toleranceMs = 300_000, now = Date.now()): boolean {
  const ts = String(headers['x-huiyan-timestamp'] ?? '');
  const sig = String(headers['x-huiyan-signature'] ?? '');
  if (!/^\d+$/.test(ts) || Math.abs(now - Number(ts)) > toleranceMs) return false;
  return sameSecret(signature(secret, ts, body), sig);
}

export class WebhookError extends Error {
  override name = 'WebhookError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** The body of every signed webhook: `id` is also the idempotency key (`huiyan-<id>`). */
export interface WebhookEnvelope {
  id: string;
  kind: string;
  /** null for an operator event (no case). */
  caseId: string | null;
  createdAt: string;
  data: Record<string, unknown>;
}

/**
 * One delivery attempt of a notification; throws on failure so the notify queue retries with
 * back-off (see postJson for which failures are final).
 * Body: `{id, kind, caseId, createdAt, data}`; id `n<notificationId>` for a case notification,
 * `ops-<eventId>` (and caseId null) for an operator event.
 */
export async function deliverWebhook(e: WebhookEndpointT, n: NotifyJobT, now = Date.now()): Promise<number> {
  const id = 'notificationId' in n ? `n${n.notificationId}` : `ops-${n.eventId}`;
  return sendSigned(e, { id, kind: n.kind, caseId: 'caseId' in n ? n.caseId : null, createdAt: n.createdAt, data: n.payload }, now);
}

/** POSTs the envelope to the endpoint, signed (x-huiyan-signature over timestamp + body). */
export async function sendSigned(e: WebhookEndpointT, env: WebhookEnvelope, now = Date.now()): Promise<number> {
  const body = JSON.stringify(env);
  const ts = String(now);
  return postJson(`webhook ${e.id}`, e.url, body, {
    'idempotency-key': `huiyan-${env.id}`,
    'x-huiyan-event': env.kind,
    'x-huiyan-timestamp': ts,
    'x-huiyan-signature': signature(e.secret, ts, body),
  }, e.timeoutMs);
}

/**
 * One JSON POST to an outside HTTP service (webhooks, warning channels); resolves with the
 * HTTP status. Throws WebhookError for failures worth retrying (network, timeout, 5xx,
 * 408/425/429) and UnrecoverableError for ones no retry fixes: other 4xx mean the request
 * itself is wrong, and a redirect is never followed (it would carry the body elsewhere).
 * 409 counts as delivered (the receiver already has this idempotency key).
 */
export async function postJson(label: string, url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    });
  } catch (err) {
    throw new WebhookError(`${label}: ${(err as Error).message}`);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok || res.status === 409) return res.status;
  if (res.status >= 300 && res.status < 400) throw new UnrecoverableError(`${label} answered a redirect (${res.status}); redirects are not followed`);
  const msg = `${label} answered ${res.status}`;
  if (res.status >= 400 && res.status < 500 && ![408, 425, 429].includes(res.status)) throw new UnrecoverableError(msg);
  throw new WebhookError(msg, res.status);
}
