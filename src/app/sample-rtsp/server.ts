// Sample cameras: an RTSP server (rtsp-server.py, GStreamer's gst-rtsp-server through Debian's
// /usr/bin/python3) serving a recorded file, for the demo and the tests. Tests kill, freeze
// (SIGSTOP), thaw and restart it to play a failing camera.
//
//   const srv = await startRtspServer(18550, 'cam1');
//   srv.url            // rtsp://127.0.0.1:18550/cam1
//   await srv.kill();  // SIGKILL, waits for exit     await srv.restart(); // start again, same port
//   srv.stop(); srv.cont();                           // SIGSTOP / SIGCONT (frozen server)
//   await srv.close(); // kill for good (use in t.after / after)
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../../inference/manifest.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCRIPT = path.join(here, 'rtsp-server.py');
export const VTEST = path.resolve(PROJECT_ROOT, '../shared/data/vtest.avi');

const running = new Set<ChildProcess>();
let mediaDir: string | undefined;
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
  removeTestMedia();
});

/** Removes the temp folder of testMedia() now (also done on exit). */
export function removeTestMedia(): void {
  if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  mediaDir = undefined;
}

/**
 * H.264 version of vtest.avi (768×576, 10 fps, keyframe every `gop` frames, SPS/PPS repeated),
 * encoded once per test process into a temp dir that is removed on exit.
 */
export function testMedia(gop = 10): string {
  mediaDir ??= mkdtempSync(path.join(os.tmpdir(), 'huiyan-rtsp-media-'));
  const file = path.join(mediaDir, `vtest-gop${gop}.mp4`);
  if (!existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', VTEST, '-an', '-c:v', 'libx264', '-preset', 'ultrafast',
      '-crf', '28', '-pix_fmt', 'yuv420p', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
      '-x264-params', 'repeat-headers=1', '-y', file]);
  }
  return file;
}

export interface RtspTestServer {
  url: string;
  readonly pid: number | undefined;
  /** SIGKILL the server and wait until it is gone. */
  kill(): Promise<void>;
  /** Start it again on the same port and mount (after kill()). */
  restart(): Promise<void>;
  /** Freeze the server (SIGSTOP): sockets stay open, nothing is sent. */
  stop(): void;
  /** Thaw a frozen server (SIGCONT). */
  cont(): void;
  /** Kill for good; safe to call twice. */
  close(): Promise<void>;
}

/** Credentials the server demands (RTSP Basic auth); none: open. */
export interface RtspAuth {
  user: string;
  password: string;
}

function launch(port: number, mount: string, media: string, loop = false, auth?: RtspAuth): Promise<ChildProcess> {
  const env = auth ? { ...process.env, RTSP_USER: auth.user, RTSP_PASSWORD: auth.password } : process.env;
  const child = spawn('/usr/bin/python3', [SCRIPT, String(port), mount, media, ...(loop ? ['loop'] : [])], { stdio: ['ignore', 'pipe', 'pipe'], env });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rtsp server on ${port} not ready: ${err}`)), 15000);
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rtsp server on ${port} exited (${code}): ${err}`));
    });
  });
}

function killAndWait(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGCONT'); // a frozen process still dies on SIGKILL, but be explicit
    child.kill('SIGKILL');
  });
}

/** `loop`: the file repeats within one RTSP session (ffmpeg -stream_loop into the server), so clients never see it end. */
export async function startRtspServer(port: number, mount: string, opts: { media?: string; loop?: boolean; auth?: RtspAuth } = {}): Promise<RtspTestServer> {
  const media = opts.media ?? testMedia();
  let child: ChildProcess | undefined = await launch(port, mount, media, opts.loop, opts.auth);
  return {
    url: `rtsp://127.0.0.1:${port}/${mount}`,
    get pid() {
      return child?.pid;
    },
    kill: () => killAndWait(child),
    async restart() {
      await killAndWait(child);
      // The port may linger briefly after a kill; retry the bind a few times.
      for (let attempt = 0; ; attempt++) {
        try {
          child = await launch(port, mount, media, opts.loop, opts.auth);
          return;
        } catch (e) {
          if (attempt >= 5) throw e;
          await new Promise((r) => setTimeout(r, 300));
        }
      }
    },
    stop: () => void child?.kill('SIGSTOP'),
    cont: () => void child?.kill('SIGCONT'),
    async close() {
      await killAndWait(child);
      child = undefined;
    },
  };
}
