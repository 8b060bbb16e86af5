// SDP for GB/T 28181 live play (§9.2, Annex F): PS over RTP, payload type 96, y= SSRC line.

export type MediaTransport = 'udp' | 'tcp-passive' | 'tcp-active';

export interface PlayOffer {
  channelId: string;
  mediaIp: string;
  port: number;
  transport: MediaTransport;
  /** 10 decimal digits; "0" prefix = live view. */
  ssrc: string;
}

export function buildPlayOffer(o: PlayOffer): string {
  const proto = o.transport === 'udp' ? 'RTP/AVP' : 'TCP/RTP/AVP';
  const lines = [
    'v=0',
    `o=${o.channelId} 0 0 IN IP4 ${o.mediaIp}`,
    's=Play',
    `c=IN IP4 ${o.mediaIp}`,
    't=0 0',
    `m=video ${o.port} ${proto} 96 97 98`,
    'a=recvonly',
    'a=rtpmap:96 PS/90000',
    'a=rtpmap:97 MPEG4/90000',
    'a=rtpmap:98 H264/90000',
  ];
  // In the offer, "passive" means we listen and the device connects; "active" means we connect.
  if (o.transport === 'tcp-passive') lines.push('a=setup:passive', 'a=connection:new');
  if (o.transport === 'tcp-active') lines.push('a=setup:active', 'a=connection:new');
  lines.push(`y=${o.ssrc}`);
  return lines.join('\r\n') + '\r\n';
}

export interface SdpSummary {
  sessionName?: string;
  ip?: string;
  port?: number;
  proto?: string;
  payloadTypes: number[];
  setup?: string;
  ssrc?: string;
  direction?: string;
}

/** Reads the few fields GB28181 needs; tolerant of order and of extra lines, bounded in size. */
export function parseSdp(text: string): SdpSummary {
  const out: SdpSummary = { payloadTypes: [] };
  for (const raw of text.slice(0, 16_384).split(/\r?\n/).slice(0, 200)) {
    const line = raw.trim();
    if (line.length < 2 || line[1] !== '=') continue;
    const v = line.slice(2);
    switch (line[0]) {
      case 's':
        out.sessionName = v;
        break;
      case 'c': {
        const m = /^IN IP[46] ([^\s/]+)/.exec(v);
        if (m && !out.ip) out.ip = m[1];
        break;
      }
      case 'm': {
        const m = /^video (\d{1,5}) (\S+)((?: \d{1,3})*)/.exec(v);
        if (m && out.port === undefined) {
          out.port = Number(m[1]);
          out.proto = m[2];
          out.payloadTypes = m[3].trim().split(' ').filter(Boolean).map(Number).slice(0, 16);
        }
        break;
      }
      case 'a':
        if (v.startsWith('setup:')) out.setup = v.slice(6).trim();
        else if (/^(recvonly|sendonly|sendrecv|inactive)$/.test(v)) out.direction = v;
        break;
      case 'y':
        if (/^\d{1,10}$/.test(v)) out.ssrc = v;
        break;
    }
  }
  return out;
}

/** SSRC for a live play: "0" + 5 digits of the domain + 4-digit sequence (GB/T 28181 Annex F). */
export function makeSsrc(domain: string, seq: number): string {
  return `0${domain.slice(3, 8)}${String(seq % 10_000).padStart(4, '0')}`;
}

/** The SSRC value an RTP header carries for a y= string (decimal, may exceed 2^31). */
export function ssrcNumber(y: string): number {
  return Number(y) >>> 0;
}
