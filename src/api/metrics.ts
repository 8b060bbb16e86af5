// Prometheus metrics of the API, on a registry per app so tests can build several apps.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { EvidenceRefusalReason, type EvidenceIntakeT } from '../contracts/ops.ts';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'huiyan_api_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly verdicts = new Counter({
    name: 'huiyan_review_verdicts_total',
    help: 'Officer verdicts by violation type and outcome',
    labelNames: ['category', 'verdict', 'reason'] as const,
    registers: [this.registry],
  });
  readonly evidenceViews = new Counter({
    name: 'huiyan_evidence_access_total',
    help: 'Evidence views and downloads (each one is audited)',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly sseClients = new Gauge({
    name: 'huiyan_alert_stream_clients',
    help: 'Open Server-Sent-Events alert streams',
    registers: [this.registry],
  });
  readonly loginFailures = new Counter({
    name: 'huiyan_login_failures_total',
    help: 'Failed logins',
    registers: [this.registry],
  });

  readonly loginThrottled = new Counter({
    name: 'huiyan_login_throttled_total',
    help: 'Login attempts refused by the failure throttle before hashing (by account or address)',
    labelNames: ['by'] as const,
    registers: [this.registry],
  });

  /** The deployment's evidence intake (from Redis, written by the evidence workers); read at each scrape. */
  intake?: () => Promise<EvidenceIntakeT>;
  readonly evidenceRefused: Gauge<'reason'>;

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'huiyan_api_' });
    const metrics = this;
    this.evidenceRefused = new Gauge({
      name: 'huiyan_evidence_refused',
      help: 'Evidence refusals in the open episode by reason (disk-low, store-unavailable, dead-letter); 0 = accepted. Alert on > 0',
      labelNames: ['reason'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        // Unknown (no Redis, or it does not answer) is no sample rather than a false 0.
        const s = await metrics.intake?.().catch(() => undefined);
        if (!s) return;
        for (const reason of EvidenceRefusalReason.options) this.set({ reason }, s.refused.find((r) => r.reason === reason)?.count ?? 0);
      },
    });
  }
}
