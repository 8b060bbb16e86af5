// Secrets (camera passwords) masked in everything Huiyan prints: the logger passes every line
// through maskSecrets(), and so do health fields and errors that carry ffmpeg's words.

const secrets = new Set<string>();

/** Remembers a secret so that maskSecrets() hides it wherever it appears (raw or percent-encoded). */
export function registerSecret(secret: string | undefined): void {
  if (!secret || secret.length < 3) return;
  secrets.add(secret);
  secrets.add(encodeURIComponent(secret));
  secrets.add(JSON.stringify(secret).slice(1, -1)); // as it appears inside a JSON log line
}

// scheme://user:password@host → scheme://user:***@host (the password part may hold anything but '@' and '/').
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]*):([^\s/]*)@(?=[^\s@]*(?:[\s/]|$))/gi;

/** `text` with URL passwords and every registered secret replaced by `***`. */
export function maskSecrets(text: string): string {
  let out = text.replace(USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

