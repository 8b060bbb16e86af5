// Client transactions for the requests we originate (MESSAGE, INVITE, BYE): match responses by
// Via branch, retransmit over UDP with RFC 3261 timer doubling, give up after a timeout.
// Server side: remember recent final responses so a retransmitted request is answered the same.
import { type SipRequest, type SipResponse, getHeader, parseCSeq, parseVia, randomToken } from './message.ts';
import { type Remote, type SipTransport, remoteKey } from './transport.ts';

const T1 = 500;
const T2 = 4000;
const MAX_PENDING = 4096;

interface Pending {
  resolve(r: SipResponse): void;
  reject(e: Error): void;
  onProvisional?(r: SipResponse): void;
  timers: NodeJS.Timeout[];
}

export function newBranch(): string {
  return `z9hG4bK${randomToken(16)}`;
}

export class ClientTransactions {
  private pending = new Map<string, Pending>();

  constructor(private readonly transport: SipTransport, private readonly timeoutMs: number) {}

  /** Sends `req` (which must carry a Via with a branch) and resolves with the final response. */
  request(req: SipRequest, remote: Remote, onProvisional?: (r: SipResponse) => void): Promise<SipResponse> {
    const via = parseVia(getHeader(req, 'via') ?? '');
    const branch = via?.params.get('branch');
    if (!branch) return Promise.reject(new Error('request without Via branch'));
    if (this.pending.size >= MAX_PENDING) return Promise.reject(new Error('too many pending transactions'));
    return new Promise((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      const done = () => {
        for (const t of timers) clearTimeout(t);
        this.pending.delete(branch);
      };
      this.pending.set(branch, {
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
        onProvisional,
        timers,
      });
      if (!this.transport.send(req, remote)) {
        this.pending.get(branch)!.reject(new Error(`no route to ${remoteKey(remote)}`));
        return;
      }
      if (remote.transport === 'udp') {
        let interval = T1;
        let at = 0;
        while (at + interval < this.timeoutMs) {
          at += interval;
          timers.push(setTimeout(() => this.transport.send(req, remote), at));
          interval = Math.min(interval * 2, T2);
        }
      }
      timers.push(setTimeout(() => this.pending.get(branch)?.reject(new Error(`${req.method} timed out`)), this.timeoutMs));
    });
  }

  /** Feeds a received response; returns false if it matched no transaction. */
  onResponse(res: SipResponse): boolean {
    const branch = parseVia(getHeader(res, 'via') ?? '')?.params.get('branch');
    const p = branch ? this.pending.get(branch) : undefined;
    if (!p) return false;
    if (res.status < 200) {
      // A provisional response means the peer has the request: stop retransmitting it.
      for (const t of p.timers.splice(0, p.timers.length - 1)) clearTimeout(t);
      p.onProvisional?.(res);
      return true;
    }
    p.resolve(res);
    return true;
  }

  cancelAll(): void {
    for (const p of [...this.pending.values()]) p.reject(new Error('transport stopped'));
  }
}

/** Final responses of recent server transactions, keyed by branch + CSeq method, bounded FIFO. */
export class ResponseCache {
  private map = new Map<string, SipResponse>();

  constructor(private readonly max = 2048) {}

  static key(req: SipRequest): string | undefined {
    const branch = parseVia(getHeader(req, 'via') ?? '')?.params.get('branch');
    const cseq = parseCSeq(getHeader(req, 'cseq'));
    return branch && cseq ? `${branch}|${cseq.seq}|${cseq.method}` : undefined;
  }

  get(req: SipRequest): SipResponse | undefined {
    const k = ResponseCache.key(req);
    return k ? this.map.get(k) : undefined;
  }

  put(req: SipRequest, res: SipResponse): void {
    const k = ResponseCache.key(req);
    if (!k || res.status < 200) return;
    this.map.set(k, res);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}
