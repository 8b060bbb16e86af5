// Sessions acknowledge the data-security notice before anything else (403 `notice_required`
// otherwise); test helpers that log in through the API do it here, as the notice page does.

/** Logs in and acknowledges the notice; returns the cookie header (session + CSRF secret) and the CSRF token. */
export async function loginAcknowledged(url: string, username: string, password: string): Promise<{ cookie: string; csrfToken: string; sessionCookie: string }> {
  const r = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (r.status !== 200) throw new Error(`login ${username}: HTTP ${r.status} ${await r.text()}`);
  const cookies = r.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const cookie = cookies.join('; ');
  const { csrfToken } = (await r.json()) as { csrfToken: string };
  const ack = await fetch(`${url}/api/notice/ack`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: '{}' });
  if (ack.status !== 200) throw new Error(`notice ack ${username}: HTTP ${ack.status} ${await ack.text()}`);
  return { cookie, csrfToken, sessionCookie: cookies.find((c) => c.startsWith('hy_sid=')) ?? cookies[0]! };
}
