// The simulator's camera: ffmpeg re-encodes vtest to H.264 (short GOP) and muxes MPEG-PS with
// `-f vob`; we cut the output into packs and add the program stream map (stream type 0x1B)
// that real GB28181 devices send and ffmpeg's muxer does not write.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const VTEST = path.resolve(import.meta.dirname, '../../../../shared/data/vtest.avi');
const PACK = Buffer.from([0, 0, 1, 0xba]);

/** MPEG-2 systems CRC-32 (poly 0x04C11DB7, MSB first, init all ones). */
export function crc32Mpeg(b: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of b) {
    crc ^= byte << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

/** A PSM naming one H.264 video stream (ffmpeg's vob muxer numbers it 0xE2, devices 0xE0). */
export function buildPsm(videoId = 0xe0): Buffer {
  const body = Buffer.from([0xe0, 0xff, 0x00, 0x00, 0x00, 0x04, 0x1b, videoId, 0x00, 0x00]);
  const head = Buffer.from([0, 0, 1, 0xbc, 0, body.length + 4]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32Mpeg(Buffer.concat([head, body])));
  return Buffer.concat([head, body, crc]);
}

/** Inserts a PSM after the pack header (and system header, if any) of `pack`. */
export function withPsm(pack: Buffer, videoId = 0xe0): Buffer {
  let off = 14 + (pack[13] & 7);
  if (pack.length >= off + 6 && pack.readUInt32BE(off) === 0x000001bb) off += 6 + pack.readUInt16BE(off + 4);
  return Buffer.concat([pack.subarray(0, off), buildPsm(videoId), pack.subarray(off)]);
}

export interface PsSourceOptions {
  /** Seconds of vtest to play (looped); default: forever. */
  seconds?: number;
  /** The video to play instead of vtest (e.g. a composite with a violation in it). */
  media?: string;
  width?: number;
  /** PSM in the first pack only (default: every 50th pack). */
  psmOnlyAtStart?: boolean;
  onPack(pack: Buffer): void;
}

/** Spawns ffmpeg at real-time speed and calls onPack for every PS pack. */
export class PsSource {
  private child?: ChildProcess;
  private buf: Buffer = Buffer.alloc(0);
  private packs = 0;
  private videoId?: number;

  constructor(private readonly opts: PsSourceOptions) {}

  start(): void {
    const args = ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', this.opts.media ?? VTEST];
    if (this.opts.seconds) args.push('-t', String(this.opts.seconds));
    args.push('-an', '-vf', `scale=${this.opts.width ?? 384}:-2`, '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency',
      '-g', '10', '-keyint_min', '10', '-bf', '0', '-f', 'vob', 'pipe:1');
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child = child;
    child.stdout!.on('data', (c: Buffer) => this.onData(c));
    // The last pack has no successor to delimit it: hand it on when ffmpeg finishes.
    child.stdout!.on('end', () => {
      if (this.buf.length) this.opts.onPack(Buffer.from(this.buf));
      this.buf = Buffer.alloc(0);
    });
    child.on('error', () => undefined);
  }

  private onData(c: Buffer): void {
    this.buf = Buffer.concat([this.buf, c]);
    for (;;) {
      const start = this.buf.indexOf(PACK);
      if (start < 0) return;
      const next = this.buf.indexOf(PACK, start + 4);
      if (next < 0) {
        this.buf = this.buf.subarray(start);
        return;
      }
      const pack = this.buf.subarray(start, next);
      this.buf = this.buf.subarray(next);
      this.videoId ??= findVideoId(pack);
      const n = this.packs++;
      const psm = this.opts.psmOnlyAtStart ? n === 0 : n % 50 === 0;
      this.opts.onPack(psm ? withPsm(pack, this.videoId ?? 0xe0) : Buffer.from(pack));
    }
  }

  stop(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}

function findVideoId(pack: Buffer): number | undefined {
  for (let i = pack.indexOf(START); i >= 0 && i + 3 < pack.length; i = pack.indexOf(START, i + 3)) {
    if (pack[i + 3] >= 0xe0 && pack[i + 3] <= 0xef) return pack[i + 3];
  }
  return undefined;
}
const START = Buffer.from([0, 0, 1]);
