// Prometheus metrics of the API, on a registry per app so tests can build several apps.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

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

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'huiyan_api_' });
  }
}
