// Real entry points as child processes: `huiyan <command>` (bin/huiyan.mjs's own launch line)
// and the site's workers, with their log lines captured for the test to wait on.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/inference/manifest.ts';
import { loginAcknowledged } from '../../support/notice.ts';

export const CLI = path.join(PROJECT_ROOT, 'src/cli/main.ts');

export interface Proc {
  child: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves with the first log line matching re (JSON lines on stderr), or throws on exit/timeout. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after graceMs; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  kill9(): Promise<void>;
}

/** `logLevel`: the child's HUIYAN_LOG_LEVEL (info: the lines tests wait on; debug: every line it can print). */
export function startProc(name: string, script: string, args: string[], env: NodeJS.ProcessEnv, input?: string, logLevel: 'info' | 'debug' = 'info'): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...env, HUIYAN_LOG_LEVEL: logLevel },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    cwd: PROJECT_ROOT,
  });
  if (input !== undefined) child.stdin!.end(input);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    // HUIYAN_E2E_LOG=<file>: every child's output, prefixed with its name (for a failed CI run).
    if (process.env.HUIYAN_E2E_LOG) appendFileSync(process.env.HUIYAN_E2E_LOG, d.toString().replace(/^/gm, `[${name} ${child.pid}] `));
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => child.once('exit', (code, sig) => r(code ?? (sig ? 128 : null))));
  const proc: Proc = {
    child,
    output: () => out,
    exited,
    waitFor(re, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.split('\n').find((l) => re.test(l));
          if (m !== undefined) return finish(() => resolve(m));
        };
        const finish = (f: () => void) => {
          waiters.delete(check);
          clearTimeout(timer);
          f();
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${name}: no line matching ${re} in ${timeoutMs} ms\n${out.slice(-4000)}`))), timeoutMs);
        waiters.add(check);
        void exited.then((code) => finish(() => reject(new Error(`${name} exited (${code}) before ${re}\n${out.slice(-4000)}`))));
        check();
      });
    },
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
  return proc;
}

/** `huiyan <args>` run to completion; resolves with its exit code and output. */
export async function huiyan(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ code: number | null; out: string }> {
  const p = startProc(`huiyan ${args[0]}`, CLI, args, env, input);
  const code = await p.exited;
  return { code, out: p.output() };
}

/** `huiyan serve`; resolves once the API answers, with its base URL. */
export async function startServe(env: NodeJS.ProcessEnv, timeoutMs = 420_000, logLevel: 'info' | 'debug' = 'info'): Promise<Proc & { url: string }> {
  const p = startProc('serve', CLI, ['serve'], { HUIYAN_API_PORT: '0', ...env }, undefined, logLevel);
  const line = await p.waitFor(/"msg":"appliance running"/, timeoutMs);
  const url = (JSON.parse(line) as { url: string }).url;
  return Object.assign(p, { url });
}

/** Logs in through the API; returns the session cookie. */
export async function login(url: string, username: string, password: string): Promise<string> {
  return (await loginAcknowledged(url, username, password)).sessionCookie;
}
