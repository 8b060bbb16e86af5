// A real S3-compatible server (npm s3rver) as a child process on loopback, so tests can stop
// and restart it like a MinIO outage. Data persists in `dir` across restarts.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';

const BIN = path.join(PROJECT_ROOT, 'node_modules/s3rver/bin/s3rver.js');

export class S3rverProcess {
  private proc: ChildProcess | null = null;
  constructor(readonly port: number, readonly dir: string) {}

  async start(): Promise<void> {
    if (this.proc) return;
    const proc = spawn(process.execPath, [BIN, '-d', this.dir, '-a', '127.0.0.1', '-p', String(this.port), '--silent'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    this.proc = proc;
    const deadline = Date.now() + 30_000;
    while (!(await portOpen(this.port))) {
      if (proc.exitCode !== null) throw new Error(`s3rver exited ${proc.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`s3rver did not listen on ${this.port}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL'); // an outage, not a graceful shutdown
    await exited;
  }

  get running(): boolean {
    return this.proc !== null;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
