// Camera credentials: built into URLs by us (percent-encoded, RFC 3986 §3.2.1), and masked in
// everything we print — log lines, health, API answers, errors, ffmpeg's stderr.

import { maskSecrets } from '../util/secrets.ts';
export { maskSecrets, registerSecret } from '../util/secrets.ts';

/**
 * rtsp://host/path + user + password → rtsp://user:password@host/path with both percent-encoded,
 * so passwords holding `@ # % : /` reach the camera intact (ffmpeg decodes them before digest auth).
 * Throws when `url` already carries credentials (one place for them) or is not a URL.
 */
export function withCredentials(url: string, user: string, password: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!m) throw new Error(`not a URL: ${maskSecrets(url)}`);
  if (m[2]!.includes('@')) throw new Error('the URL already holds credentials: give them either in the URL or as user/password, not both');
  return `${m[1]}${encodeURIComponent(user)}:${encodeURIComponent(password)}@${m[2]}${m[3]}`;
}

/**
 * Checks a raw camera URL; returns a message naming the fix when it cannot be parsed as one
 * host (a password with `@ # % :` written unencoded), else undefined.
 */
export function rawUrlProblem(url: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!m) return 'not a URL';
  const authority = m[2]!;
  const userinfo = authority.includes('@') ? authority.slice(0, authority.lastIndexOf('@')) : '';
  const rest = url.slice(m[1]!.length);
  const hint = 'percent-encode the user name and password (@ → %40, # → %23, % → %25, : → %3A, / → %2F) or give them as source.user / source.password';
  if ((authority.match(/@/g) ?? []).length > 1) return `the URL has more than one '@': ${hint}`;
  if (/#/.test(rest) && rest.indexOf('#') < rest.lastIndexOf('@')) return `the URL has '#' before its host: ${hint}`;
  if (/%(?![0-9a-f]{2})/i.test(userinfo)) return `the URL has a '%' that is not a %XX escape: ${hint}`;
  if ((userinfo.match(/:/g) ?? []).length > 1) return `the URL's user:password has more than one ':': ${hint}`;
  try {
    const u = new URL(url.replace(/^rtsps?:/i, 'http:'));
    if (!u.hostname) return `no host in the URL: ${hint}`;
  } catch {
    return `the URL cannot be parsed: ${hint}`;
  }
  return undefined;
}
