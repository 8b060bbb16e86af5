// The city platform's side of a request, for tests: headers signed as docs/cases.md says.
import { requestSignature } from '../../../src/dispatch/webhook.ts';

/** x-huiyan-endpoint / -timestamp / -signature for `method path` with `body` ('' for a GET). */
export function signedCityHeaders(o: { endpoint: string; secret: string; ts?: number }, method: string, path: string, body: string): Record<string, string> {
  const ts = String(o.ts ?? Date.now());
  return { 'x-huiyan-endpoint': o.endpoint, 'x-huiyan-timestamp': ts, 'x-huiyan-signature': requestSignature(o.secret, ts, method, path, body) };
}

/** POSTs a status event signed by the platform; resolves with the status and JSON answer. */
export async function postCityEvent(base: string, o: { endpoint: string; secret: string; ts?: number }, caseId: string, event: Record<string, unknown>) {
  const p = `/api/city/cases/${caseId}/events`;
  const body = JSON.stringify(event);
  const r = await fetch(`${base}${p}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signedCityHeaders(o, 'POST', p, body) } });
  return { status: r.status, json: (await r.json()) as Record<string, any> };
}
