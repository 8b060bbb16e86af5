// A simulated city platform (市级平台) for the demo: the back half of the loop on one machine.
// It receives Huiyan's signed webhooks (the exported case, the warn-first warning) at `/`, and
// on `POST /cases/<caseId>/next` reports that case's next step back to Huiyan's signed inbound
// status API, as the real platform would: 送达 → 签收 → 处罚决定 → 缴纳 → 结案 (docs/cases.md).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestSignature, verifySignature, type WebhookEndpointT } from '../dispatch/webhook.ts';
import type { CityEventBodyT } from '../contracts/city.ts';
import type { Logger } from '../util/log.ts';

export interface CitySimOptions {
  /** Huiyan's base URL (http://host:port); read when a step is reported, so it may be set after start. */
  huiyanUrl: () => string;
  /** The endpoint id and shared secret Huiyan knows the platform by (HUIYAN_WEBHOOKS, `inbound: true`). */
  endpoint: string;
  secret: string;
  log: Logger;
  host?: string;
  /** 0: any free port. */
  port?: number;
}

export interface CitySim {
  url: string;
  /** The platform's entry for HUIYAN_WEBHOOKS. */
  webhook: WebhookEndpointT;
  /** Case ids whose export arrived, in order. */
  exported: string[];
  /** Reports the case's next step; resolves with Huiyan's answer ({caseId, state, applied} on 200). */
  next(caseId: string): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

const STEPS = ['delivered', 'acknowledged', 'decided', 'paid', 'closed'] as const;

/** Starts the simulated platform on `host:port` (default 127.0.0.1, any free port). */
export async function startCitySim(o: CitySimOptions): Promise<CitySim> {
  const sent = new Map<string, number>();
  const fines = new Map<string, number>();
  const exported: string[] = [];
  let url = '';

  async function next(caseId: string): Promise<{ status: number; body: unknown }> {
    const i = sent.get(caseId) ?? 0;
    const event = STEPS[i];
    if (!event) return { status: 409, body: { error: 'the case is closed on the platform' } };
    const fine = fines.get(caseId) ?? 0;
    const extra: Partial<CityEventBodyT> = {
      delivered: { note: '电子送达 (模拟)' },
      acknowledged: {},
      decided: { decisionNo: `模拟决字〔${new Date().getFullYear()}〕${caseId.slice(0, 8)}号`, fine },
      paid: { amount: fine },
      closed: { note: '罚款已缴纳，结案 (模拟)' },
    }[event];
    const body = JSON.stringify({ event, ref: `SIM-${caseId.slice(0, 8)}-${event}`, at: new Date().toISOString(), ...extra } satisfies CityEventBodyT);
    const p = `/api/city/cases/${caseId}/events`;
    const ts = String(Date.now());
    const r = await fetch(`${o.huiyanUrl()}${p}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-huiyan-endpoint': o.endpoint, 'x-huiyan-timestamp': ts, 'x-huiyan-signature': requestSignature(o.secret, ts, 'POST', p, body) },
    });
    const answer = await r.json().catch(() => null);
    if (r.ok) sent.set(caseId, i + 1);
    o.log.info('city platform (simulated) reported a step', { caseId, event, status: r.status });
    return { status: r.status, body: answer };
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      const step = req.method === 'POST' && /^\/cases\/([\w-]+)\/next$/.exec(req.url ?? '');
      if (step) {
        next(step[1]!).then((a) => reply(a.status, a.body), (e: Error) => reply(502, { error: e.message }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/') return reply(404, { error: 'not found' });
      if (!verifySignature(o.secret, req.headers, raw)) return reply(401, { error: 'bad signature' });
      const env = JSON.parse(raw) as { kind: string; caseId: string | null; data: { penalty?: { proposedFine?: number | null }; document?: { docNo?: string } } };
      if (env.kind === 'case.exported' && env.caseId) {
        if (!exported.includes(env.caseId)) exported.push(env.caseId);
        fines.set(env.caseId, env.data.penalty?.proposedFine ?? 0);
        o.log.info('city platform (simulated) received the case; report its next step (送达, 签收, 处罚决定, 缴纳, 结案) with', {
          caseId: env.caseId, docNo: env.data.document?.docNo, command: `curl -s -X POST ${url}/cases/${env.caseId}/next`,
        });
      } else {
        o.log.info('city platform (simulated) received', { kind: env.kind, caseId: env.caseId });
      }
      reply(200, { ok: true });
    });
  });
  await new Promise<void>((r) => server.listen(o.port ?? 0, o.host ?? '127.0.0.1', r));
  url = `http://${o.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    webhook: { id: o.endpoint, url: `${url}/`, secret: o.secret, events: ['case.exported'], timeoutMs: 5_000, inbound: true },
    exported,
    next,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
