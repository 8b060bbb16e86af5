// The API's security settings from the environment, shared by `src/api/main.ts` and
// `huiyan serve` so both honour the same variables (unknown values are errors, via zod).
import path from 'node:path';
import { z } from 'zod';
import { cookieSecret } from './cookie-secret.ts';

const list = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

export const ApiSecurityEnv = z.object({
  /** At least 32 characters; generated once into <var>/api-cookie-secret when absent. */
  HUIYAN_COOKIE_SECRET: z.string().min(32).optional(),
  /** `1` behind TLS: session and CSRF cookies get `Secure`. */
  HUIYAN_SECURE_COOKIE: z.enum(['0', '1']).default('0'),
  /** Reverse proxies whose X-Forwarded-* headers are believed: addresses or CIDRs, comma-separated. */
  HUIYAN_TRUSTED_PROXIES: list,
  /** Public origins (scheme://host[:port]) besides the API's own that may send state changes. */
  HUIYAN_ALLOWED_ORIGINS: list.pipe(z.array(z.url())),
  /** The data-security notice (数据安全责任告知) shown once per session; `\n` separates paragraphs. Default: src/api/auth/notice.ts. */
  HUIYAN_SECURITY_NOTICE: z.string().min(1).optional(),
});

export interface ApiSecurity {
  cookieSecret: string;
  secureCookie: boolean;
  trustedProxies: string[];
  allowedOrigins: string[];
  securityNotice?: string;
}

/** Parses the variables (throws a ZodError naming the bad one). */
export function apiSecurityFromEnv(env: NodeJS.ProcessEnv, varDir: string): ApiSecurity {
  const e = ApiSecurityEnv.parse(env);
  return {
    cookieSecret: cookieSecret(e.HUIYAN_COOKIE_SECRET, path.join(varDir, 'api-cookie-secret')),
    secureCookie: e.HUIYAN_SECURE_COOKIE === '1',
    trustedProxies: e.HUIYAN_TRUSTED_PROXIES,
    allowedOrigins: e.HUIYAN_ALLOWED_ORIGINS.map((o) => new URL(o).origin),
    securityNotice: e.HUIYAN_SECURITY_NOTICE?.replaceAll('\\n', '\n'),
  };
}
