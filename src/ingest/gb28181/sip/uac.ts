// Builds the requests the platform originates towards a device (MESSAGE queries, INVITE, ACK, BYE).
import { type Header, type SipRequest, randomToken } from './message.ts';
import { newBranch } from './transactions.ts';
import type { Remote } from './transport.ts';

export interface LocalIdentity {
  sipId: string;
  domain: string;
  /** Address written in Via/Contact: where the device can reach us. */
  host: string;
  port: number;
}

export interface DialogIds {
  callId: string;
  fromTag: string;
  toTag?: string;
  /** Request-URI target user: the device id, or a channel id for INVITE. */
  target: string;
  remote: Remote;
  cseq: number;
}

export function newDialog(target: string, remote: Remote): DialogIds {
  return { callId: `${randomToken(16)}@huiyan`, fromTag: randomToken(10), target, remote, cseq: 1 };
}

export function buildRequest(
  me: LocalIdentity,
  d: DialogIds,
  method: string,
  opts: { body?: Buffer | string; contentType?: string; extra?: Header[]; cseq?: number; branch?: string } = {},
): SipRequest {
  const transport = d.remote.transport === 'tcp' ? 'TCP' : 'UDP';
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body ?? Buffer.alloc(0);
  const headers: Header[] = [
    ['via', `SIP/2.0/${transport} ${me.host}:${me.port};rport;branch=${opts.branch ?? newBranch()}`],
    ['from', `<sip:${me.sipId}@${me.domain}>;tag=${d.fromTag}`],
    ['to', `<sip:${d.target}@${me.domain}>${d.toTag ? `;tag=${d.toTag}` : ''}`],
    ['call-id', d.callId],
    ['cseq', `${opts.cseq ?? d.cseq} ${method}`],
    ['max-forwards', '70'],
    ['contact', `<sip:${me.sipId}@${me.host}:${me.port}>`],
    ['user-agent', 'Huiyan-GB28181'],
    ...(opts.extra ?? []),
  ];
  if (body.length) headers.push(['content-type', opts.contentType ?? 'Application/MANSCDP+xml']);
  const uri = `sip:${d.target}@${d.remote.address}:${d.remote.port}`;
  return { kind: 'request', method, uri, headers, body };
}
