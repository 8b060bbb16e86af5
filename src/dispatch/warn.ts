// Warn first, file later (限时整改), the queue side: the warn queue delivers each warning channel
// of a warned case (IP loudspeaker text-to-speech, SMS gateway, signed webhook — HTTP adapters
// with templates) with retries and back-off, every attempt in the case's audit trail, and holds
// one delayed backstop job per case for when the grace period ends without word from the camera.
// Job ids derive from the case, so a redelivered case job schedules nothing twice.
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { z } from 'zod';
import type { WarnChannelT, WarnFirstT } from '../config/schema.ts';
import type { CaseStore } from '../cases/index.ts';
import { caseParty } from '../cases/parties/index.ts';
import { DocumentError, type DocumentIssuer } from '../cases/documents/index.ts';
import { auditWarnDelivery, readWarning, type WarningRecord } from '../cases/warn.ts';
import { addJob, jobOptions, type DispatchConfig } from './queues.ts';
import { postJson, sendSigned, type WebhookEndpointT } from './webhook.ts';

export const WarnJob = z.discriminatedUnion('task', [
  /** Send the warning through channel `channel` (index into the case's warnFirst.channels). */
  z.object({ task: z.literal('deliver'), caseId: z.uuid(), channel: z.number().int().min(0) }).strict(),
  /** After the grace end: file the case if it is still warned (src/cases/warn.ts settleWarning). */
  z.object({ task: z.literal('grace-end'), caseId: z.uuid() }).strict(),
  /** Issue the signed order to correct (责令改正通知书) with the grace end as its time limit. */
  z.object({ task: z.literal('order'), caseId: z.uuid() }).strict(),
]);
export type WarnJobT = z.infer<typeof WarnJob>;

/**
 * Queues the case's channel deliveries and its grace-end backstop; a second call adds nothing.
 * `backstopMs`: how long after the grace end the backstop waits for the camera's own word (the
 * frame of the violation still there, or the clear) — the detector sends it on its first
 * sample after the grace end, and it passes the outbox and the evidence seal first.
 */
export async function scheduleWarning(cfg: DispatchConfig, q: Queue, caseId: string, wf: WarnFirstT, graceUntil: number, backstopMs: number, now = Date.now()): Promise<void> {
  await addJob(q, 'order', { task: 'order', caseId }, jobOptions(cfg, `order-${caseId}`));
  for (const [i] of wf.channels.entries()) {
    await addJob(q, 'deliver', { task: 'deliver', caseId, channel: i }, jobOptions(cfg, `warn-${caseId}-${i}`));
  }
  await addJob(q, 'grace-end', { task: 'grace-end', caseId }, { ...jobOptions(cfg, `grace-${caseId}`), delay: Math.max(0, graceUntil + backstopMs - now) });
}

/** "5分钟", "30秒", "1小时30分钟". */
export function graceText(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}小时` : ''}${m ? `${m}分钟` : ''}${s ? `${s}秒` : ''}`;
}

export const DEFAULT_WARNING = '【城市管理提示】{time}，{place}发现{rule}行为，请在{grace}内自行整改，逾期未改正将依法立案处理。';

/**
 * The warning's words: `template` (default DEFAULT_WARNING) with {place} (district, street,
 * address of the case), {rule} (the bureau's local name of the violation, src/cases/codes.yaml), {time} (detection, Beijing
 * time) and {grace} filled in.
 */
export function renderWarning(template: string | undefined, w: Pick<WarningRecord, 'case' | 'detectedAt' | 'graceSeconds'>): string {
  const c = w.case;
  const time = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false }).format(w.detectedAt);
  const values: Record<string, string> = {
    place: `${c.district}${c.street}${c.address ?? ''}`,
    rule: c.localCode,
    time,
    grace: graceText(w.graceSeconds),
  };
  return (template ?? DEFAULT_WARNING).replace(/\{(place|rule|time|grace)\}/g, (_, k: string) => values[k]!);
}

/** Header values `env:NAME` come from the environment (tokens stay out of camera files). */
function resolveHeaders(h: Record<string, string> | undefined, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (!v.startsWith('env:')) out[k] = v;
    else if (env[v.slice(4)]) out[k] = env[v.slice(4)]!;
    else throw new UnrecoverableError(`warning channel header ${k}: environment variable ${v.slice(4)} is not set`);
  }
  return out;
}

export interface WarnStepDeps {
  store: CaseStore;
  /** HUIYAN_WEBHOOKS endpoints by id, for `kind: webhook` channels. */
  webhooks: Map<string, WebhookEndpointT>;
  env?: NodeJS.ProcessEnv;
  /** Issues the order to correct (DocumentIssuer.issueOrderToCorrect); made on first use (font, certificate). */
  orders: () => Promise<Pick<DocumentIssuer, 'issueOrderToCorrect'>>;
}

/** Sends one channel's request; resolves with the HTTP status, throws like postJson. */
async function send(ch: WarnChannelT, text: string, w: WarningRecord, d: WarnStepDeps, key: string): Promise<number> {
  const env = d.env ?? process.env;
  const idem = { 'idempotency-key': `huiyan-${key}` };
  switch (ch.kind) {
    case 'loudspeaker':
      return postJson(`loudspeaker ${ch.url}`, ch.url, JSON.stringify({ text, repeat: ch.repeat }), { ...resolveHeaders(ch.headers, env), ...idem }, ch.timeoutMs);
    case 'sms': {
      const party = ch.toParty ? (await caseParty(d.store.db, w.case.id))?.party?.contactPhone : undefined;
      const to = [...new Set([...ch.to, ...(party ? [party] : [])])];
      if (to.length === 0) throw new UnrecoverableError('sms: no number to send to (the case has no party with a contact phone)');
      return postJson(`sms ${ch.url}`, ch.url, JSON.stringify({ to, text }), { ...resolveHeaders(ch.headers, env), ...idem }, ch.timeoutMs);
    }
    case 'webhook': {
      const e = d.webhooks.get(ch.endpoint);
      if (!e) throw new UnrecoverableError(`webhook endpoint ${ch.endpoint} is not in HUIYAN_WEBHOOKS`);
      return sendSigned(e, { id: key, kind: 'case.warning', caseId: w.case.id, createdAt: w.detectedAt.toISOString(),
        data: { text, graceSeconds: w.graceSeconds, graceUntil: w.graceUntil.toISOString(), case: { id: w.case.id, rule: w.case.rule, cameraId: w.case.cameraId, zoneId: w.case.zoneId, district: w.case.district, street: w.case.street, address: w.case.address } } });
    }
  }
}

/** The warn queue's handler. Each attempt's result goes to the audit trail; a failure throws so BullMQ retries it with back-off and parks it in the dead-letter queue at the end. */
export function warnStep(d: WarnStepDeps) {
  return async (job: WarnJobT, meta: Job): Promise<unknown> => {
    if (job.task === 'grace-end') return { outcome: await d.store.writer.fileOverdueWarning(job.caseId) };
    if (job.task === 'order') {
      try {
        const doc = await (await d.orders()).issueOrderToCorrect(d.store.db, job.caseId);
        return { docNo: doc?.docNo ?? null };
      } catch (err) {
        // No warning, no evidence, no legal basis for the code: a retry will not find one. A bundle
        // still uploading from the evidence spool (StillsUnavailableError) is retried with back-off.
        throw err instanceof DocumentError ? new UnrecoverableError(err.message) : err;
      }
    }
    const w = await readWarning(d.store.db, job.caseId);
    if (!w) throw new UnrecoverableError(`case ${job.caseId} has no warning`);
    const ch = w.config.channels[job.channel];
    if (!ch) throw new UnrecoverableError(`case ${job.caseId} has no warning channel ${job.channel}`);
    const text = renderWarning(ch.text, w);
    const attempt = meta.attemptsMade + 1;
    const base = { channel: job.channel, kind: ch.kind, attempt, text };
    try {
      const status = await send(ch, text, w, d, `w-${w.case.id}-${job.channel}`);
      await auditWarnDelivery(d.store.db, w.case.id, { ...base, ok: true, status, final: true });
      return { status };
    } catch (err) {
      const final = err instanceof UnrecoverableError || attempt >= (meta.opts.attempts ?? 1);
      await auditWarnDelivery(d.store.db, w.case.id, { ...base, ok: false, error: String((err as Error).message ?? err), final });
      throw err;
    }
  };
}
