// Mutation fuzzing of everything a device (or anyone on the network) can feed us: SIP over UDP and
// TCP framing, the server's request handling, MANSCDP XML, SDP, RTP, RFC 4571 framing, the
// reorder buffer and the PS scanner. Seeds are captured real messages (fixtures/corpus.json).
// A "crash" is any exception other than the parser's own declared error type.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SipParseError, parseSipMessage, parseNameAddr, parseVia, parseCSeq, serializeSipMessage } from '../../src/ingest/gb28181/sip/message.ts';
import { SipStreamFramer } from '../../src/ingest/gb28181/sip/stream-framer.ts';
import { parseAuthorization } from '../../src/ingest/gb28181/sip/digest.ts';
import { XmlError } from '../../src/ingest/gb28181/xml.ts';
import { ManscdpError, channelFromItem, decodeBody, parseManscdp } from '../../src/ingest/gb28181/manscdp.ts';
import { parseSdp } from '../../src/ingest/gb28181/sdp.ts';
import { Rfc4571Framer, parseRtp } from '../../src/ingest/gb28181/rtp/rtp.ts';
import { ReorderBuffer } from '../../src/ingest/gb28181/rtp/reorder.ts';
import { PsScanner } from '../../src/ingest/gb28181/rtp/ps-scanner.ts';
import type { Gb28181Server } from '../../src/ingest/gb28181/server.ts';
import type { Remote } from '../../src/ingest/gb28181/sip/transport.ts';
import { seededRandom } from '../../src/util/random.ts';
/** Seeded, so every failing input can be regenerated. */
export const rng = seededRandom;

export interface Corpus {
  sip: Buffer[];
  manscdp: Buffer[];
  sdp: Buffer[];
  rtp: Buffer[];
  ps: Buffer[];
}

export function loadCorpus(): Corpus {
  const raw = JSON.parse(readFileSync(path.resolve(import.meta.dirname, 'fixtures/corpus.json'), 'utf8'));
  const dec = (a: string[]) => a.map((s) => Buffer.from(s, 'base64'));
  const sip = dec(raw.sip);
  // Hand-written seeds for parser paths real devices rarely take: compact forms, folding.
  sip.push(
    Buffer.from(
      'MESSAGE sip:34020000002000000001@3402000000 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nf: <sip:34020000001320000001@3402000000>;tag=1\r\n' +
        't: <sip:34020000002000000001@3402000000>\r\ni: abc\r\nCSeq: 1\r\n  MESSAGE\r\nc: Application/MANSCDP+xml\r\nl: 5\r\n\r\n<a/>x',
    ),
  );
  return { sip, manscdp: dec(raw.manscdp), sdp: dec(raw.sdp), rtp: dec(raw.rtp), ps: dec(raw.ps) };
}


const INTERESTING = [0, 0xff, 0x7f, 0x80, 0x0d, 0x0a, 0x3a, 0x3c, 0x3e, 0x22, 0x20, 0x3b, 0x2c, 0x26, 0x01, 0xba, 0xbc, 0xe0];
const TOKENS = ['\r\n', '\r\n\r\n', 'Content-Length: 99999\r\n', 'l: 0', '<Item>', '</Item>', '<!DOCTYPE x>', '&#x10FFFF;', '&amp;', '"', ';tag=', '\0\0\x01\xba', '\0\0\x01\xbc', 'SIP/2.0', 'sip:', '99999999999999999999'];

export function mutate(seed: Buffer, r: () => number, other: Buffer): Buffer {
  let b = Buffer.from(seed);
  const n = 1 + Math.floor(r() * 4);
  const pos = () => Math.floor(r() * (b.length + 1));
  for (let k = 0; k < n; k++) {
    switch (Math.floor(r() * 9)) {
      case 0: // bit flip
        if (b.length) b[Math.min(pos(), b.length - 1)] ^= 1 << Math.floor(r() * 8);
        break;
      case 1: // interesting byte
        if (b.length) b[Math.min(pos(), b.length - 1)] = INTERESTING[Math.floor(r() * INTERESTING.length)];
        break;
      case 2: { // delete a range
        const a = pos();
        b = Buffer.concat([b.subarray(0, a), b.subarray(a + Math.floor(r() * 64))]);
        break;
      }
      case 3: { // duplicate a range, sometimes many times (size limits)
        const a = pos();
        const len = Math.floor(r() * 128);
        const times = r() < 0.1 ? 1 + Math.floor(r() * 2000) : 1;
        const piece = b.subarray(a, a + len);
        const rep = Buffer.concat(Array(times).fill(piece)).subarray(0, 256 * 1024);
        b = Buffer.concat([b.subarray(0, a), rep, b.subarray(a)]);
        break;
      }
      case 4: { // insert random bytes
        const a = pos();
        const ins = Buffer.alloc(1 + Math.floor(r() * 16));
        for (let i = 0; i < ins.length; i++) ins[i] = Math.floor(r() * 256);
        b = Buffer.concat([b.subarray(0, a), ins, b.subarray(a)]);
        break;
      }
      case 5: { // insert a token
        const a = pos();
        b = Buffer.concat([b.subarray(0, a), Buffer.from(TOKENS[Math.floor(r() * TOKENS.length)], 'latin1'), b.subarray(a)]);
        break;
      }
      case 6: // truncate
        b = b.subarray(0, pos());
        break;
      case 7: { // splice with another seed
        const a = pos();
        const o = Math.floor(r() * (other.length + 1));
        b = Buffer.concat([b.subarray(0, a), other.subarray(o)]);
        break;
      }
      case 8: { // rewrite a number
        const s = b.toString('latin1');
        const nums = [...s.matchAll(/\d+/g)];
        if (nums.length) {
          const m = nums[Math.floor(r() * nums.length)];
          const rep = ['0', '-1', '4294967296', '99999999999', String(Math.floor(r() * 70000))][Math.floor(r() * 5)];
          b = Buffer.from(s.slice(0, m.index) + rep + s.slice(m.index! + m[0].length), 'latin1');
        }
        break;
      }
    }
  }
  return b;
}

export type Target = 'sip' | 'sip-stream' | 'server' | 'manscdp' | 'sdp' | 'rtp' | 'rtp-tcp' | 'ps';

export interface Crash {
  target: Target;
  iteration: number;
  error: string;
  input: string;
}

/** Feeds one input to one target; throws only on a real defect. */
/** Returns true when the input was accepted as well-formed (a coverage hint for the report). */
export function exercise(target: Target, input: Buffer, r: () => number, server?: Gb28181Server): boolean {
  const expected = (e: unknown, ...types: Array<new (...a: never[]) => Error>) => {
    if (!types.some((t) => e instanceof t)) throw e;
  };
  switch (target) {
    case 'sip':
      try {
        const m = parseSipMessage(input, r() < 0.5);
        for (const [k, v] of m.headers) {
          if (k === 'from' || k === 'to' || k === 'contact') parseNameAddr(v);
          if (k === 'via') parseVia(v);
          if (k === 'cseq') parseCSeq(v);
          if (k === 'authorization' || k === 'www-authenticate') parseAuthorization(v);
        }
        // What we parsed we must be able to write back and read again.
        parseSipMessage(serializeSipMessage(m), false);
        return true;
      } catch (e) {
        expected(e, SipParseError);
      }
      return false;
    case 'sip-stream': {
      const f = new SipStreamFramer();
      let ok = 0;
      try {
        for (let o = 0; o < input.length; ) {
          const n = 1 + Math.floor(r() * 700);
          for (const m of f.push(input.subarray(o, o + n))) ok += parseSipMessage(m, false) ? 1 : 0;
          o += n;
        }
      } catch (e) {
        expected(e, SipParseError);
      }
      return ok > 0;
    }
    case 'server': {
      let m;
      try {
        m = parseSipMessage(input, true);
      } catch (e) {
        expected(e, SipParseError);
        return false;
      }
      const remote: Remote = { transport: 'udp', address: '127.0.0.1', port: 9 };
      (server as unknown as { onMessage(m: unknown, r: Remote): void }).onMessage(m, remote);
      return true;
    }
    case 'manscdp':
      try {
        decodeBody(input);
        const m = parseManscdp(input);
        m.items.forEach(channelFromItem);
        return true;
      } catch (e) {
        expected(e, XmlError, ManscdpError);
      }
      return false;
    case 'sdp':
      return parseSdp(input.toString('utf8')).port !== undefined;
    case 'rtp': {
      const out: Buffer[] = [];
      const rb = new ReorderBuffer((p) => out.push(p.payload), 16, 0);
      const p = parseRtp(input);
      if (p) {
        rb.push(p, 0);
        rb.push({ ...p, seq: (p.seq + Math.floor(r() * 70000)) & 0xffff }, 1);
        rb.tick(10);
      }
      return p !== undefined;
    }
    case 'rtp-tcp': {
      const f = new Rfc4571Framer();
      let ok = 0;
      for (let o = 0; o < input.length; o += 1 + Math.floor(r() * 300)) for (const pkt of f.push(input.subarray(o, o + 300))) ok += parseRtp(pkt) ? 1 : 0;
      return ok > 0;
    }
    case 'ps': {
      const s = new PsScanner();
      for (let o = 0; o < input.length; o += 1 + Math.floor(r() * 1500)) s.push(input.subarray(o, o + 1500));
      return s.stats.packs > 0;
    }
  }
}

export function seedsFor(t: Target, c: Corpus): Buffer[] {
  if (t === 'sip' || t === 'server') return c.sip;
  if (t === 'sip-stream') return [Buffer.concat(c.sip.slice(0, 6)), ...c.sip];
  if (t === 'manscdp') return c.manscdp;
  if (t === 'sdp') return c.sdp;
  if (t === 'rtp') return c.rtp;
  if (t === 'rtp-tcp') {
    return [Buffer.concat(c.rtp.map((p) => Buffer.concat([Buffer.from([p.length >> 8, p.length & 0xff]), p])))];
  }
  return [Buffer.concat(c.ps.slice(0, 4)), ...c.ps];
}

export const TARGETS: Target[] = ['sip', 'sip-stream', 'server', 'manscdp', 'sdp', 'rtp', 'rtp-tcp', 'ps'];

export interface FuzzReport {
  iterations: number;
  seed: number;
  crashes: Crash[];
  perTarget: Record<string, { inputs: number; accepted: number; maxMs: number }>;
  ms: number;
  heapStartMb: number;
  heapEndMb: number;
}

/**
 * Runs `iterations` mutated inputs spread over all targets. Yields to the event loop every 500
 * inputs so the server's UDP replies are really sent (otherwise they queue up and look like a leak).
 */
export async function runFuzz(iterations: number, seed: number, server: Gb28181Server, onProgress?: (i: number) => void): Promise<FuzzReport> {
  const corpus = loadCorpus();
  const r = rng(seed);
  const crashes: Crash[] = [];
  const perTarget: FuzzReport['perTarget'] = {};
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapStart = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const target = TARGETS[i % TARGETS.length];
    const seeds = seedsFor(target, corpus);
    const input = mutate(seeds[Math.floor(r() * seeds.length)], r, seeds[Math.floor(r() * seeds.length)]);
    const s = performance.now();
    const stat = (perTarget[target] ??= { inputs: 0, accepted: 0, maxMs: 0 });
    try {
      if (exercise(target, input, r, server)) stat.accepted++;
    } catch (e) {
      if (crashes.length < 50) crashes.push({ target, iteration: i, error: String((e as Error).stack ?? e).split('\n').slice(0, 4).join(' | '), input: input.toString('base64').slice(0, 4096) });
    }
    stat.inputs++;
    stat.maxMs = Math.max(stat.maxMs, performance.now() - s);
    if (onProgress && i % 10_000 === 0) onProgress(i);
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 50));
  const ms = performance.now() - t0;
  gc?.();
  return { iterations, seed, crashes, perTarget, ms, heapStartMb: heapStart / 2 ** 20, heapEndMb: process.memoryUsage().heapUsed / 2 ** 20 };
}
