// The SIP parser, TCP framing, digest, MANSCDP/XML, SDP, RTP and reorder buffer on exact inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { SipParseError, getHeader, parseSipMessage, serializeSipMessage, parseNameAddr, parseVia } from '../../src/ingest/gb28181/sip/message.ts';
import { SipStreamFramer } from '../../src/ingest/gb28181/sip/stream-framer.ts';
import { NonceIssuer, digestResponse, md5, parseAuthorization } from '../../src/ingest/gb28181/sip/digest.ts';
import { parseManscdp, channelFromItem } from '../../src/ingest/gb28181/manscdp.ts';
import { XmlError, parseXml } from '../../src/ingest/gb28181/xml.ts';
import { buildPlayOffer, makeSsrc, parseSdp, ssrcNumber } from '../../src/ingest/gb28181/sdp.ts';
import { buildRtp, frame4571, parseRtp, Rfc4571Framer } from '../../src/ingest/gb28181/rtp/rtp.ts';
import { ReorderBuffer } from '../../src/ingest/gb28181/rtp/reorder.ts';

const msg = (head: string, body = '') => Buffer.from(head.replace(/\n/g, '\r\n') + '\r\n\r\n' + body, 'utf8');

test('compact header forms and folded lines are read as their full headers', () => {
  const m = parseSipMessage(msg('MESSAGE sip:34020000002000000001@3402000000 SIP/2.0\nv: SIP/2.0/UDP 10.0.0.2:5060;rport;branch=z9hG4bKabc\nf: <sip:34020000001320000001@3402000000>;tag=7\nt: <sip:34020000002000000001@3402000000>\ni: call-1\nCSeq: 20\n  MESSAGE\nc: Application/MANSCDP+xml\nl: 4', 'abcdXYZ'));
  assert.equal(m.kind, 'request');
  assert.equal(getHeader(m, 'call-id'), 'call-1');
  assert.equal(getHeader(m, 'cseq'), '20 MESSAGE');
  assert.equal(m.body.toString(), 'abcd', 'Content-Length honoured over UDP: trailing bytes ignored');
  assert.equal(parseVia(getHeader(m, 'via')!)?.params.get('branch'), 'z9hG4bKabc');
  assert.equal(parseNameAddr(getHeader(m, 'from')!)?.user, '34020000001320000001');
  const again = parseSipMessage(serializeSipMessage(m), false);
  assert.deepEqual(again.headers, m.headers);
});

test('Content-Length: required on streams, longer than the datagram rejected, absent on UDP = rest', () => {
  const head = 'OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: x\nCSeq: 1 OPTIONS';
  assert.equal(parseSipMessage(msg(head, 'hello'), true).body.toString(), 'hello');
  assert.throws(() => parseSipMessage(msg(head, 'hello'), false), SipParseError);
  assert.throws(() => parseSipMessage(msg(head + '\nContent-Length: 50', 'hello'), true), SipParseError);
  assert.throws(() => parseSipMessage(msg(head + '\nContent-Length: -1'), true), SipParseError);
  assert.throws(() => parseSipMessage(msg(head + '\nX-Evil: a\rInjected: b'), true), SipParseError);
  assert.throws(() => parseSipMessage(Buffer.alloc(70_000, 0x41)), SipParseError);
});

test('the TCP framer splits coalesced and fragmented messages and refuses endless headers', () => {
  const a = msg('MESSAGE sip:a@b SIP/2.0\nCall-ID: 1\nContent-Length: 3', 'abc');
  const b = msg('MESSAGE sip:a@b SIP/2.0\nCall-ID: 2\nl: 0');
  const stream = Buffer.concat([Buffer.from('\r\n\r\n'), a, b]);
  const f = new SipStreamFramer();
  const got: Buffer[] = [];
  for (let i = 0; i < stream.length; i += 7) got.push(...f.push(stream.subarray(i, i + 7)));
  assert.deepEqual(got.map((x) => getHeader(parseSipMessage(x, false), 'call-id')), ['1', '2']);
  assert.equal(f.buffered, 0);
  const drip = new SipStreamFramer();
  const one: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) one.push(...drip.push(stream.subarray(i, i + 1)));
  assert.deepEqual(one, [a, b]);
  assert.throws(() => new SipStreamFramer().push(Buffer.alloc(20_000, 0x41)), SipParseError);
});

test('digest: RFC 2617 §3.5 example vector, and our nonces expire and cannot be forged', () => {
  const c = { username: 'Mufasa', realm: 'testrealm@host.com', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' };
  assert.equal(digestResponse(c, 'GET', 'Circle Of Life'), '6629fae49393a05397450978507c4ef1');
  assert.equal(md5(''), 'd41d8cd98f00b204e9800998ecf8427e');
  const creds = parseAuthorization('Digest username="34020000001320000001", realm="3402000000", nonce="n1", uri="sip:34020000002000000001@3402000000", response="abc", algorithm=MD5');
  assert.equal(creds?.realm, '3402000000');
  let now = 1_000_000;
  const issuer = new NonceIssuer(1000, () => now);
  const n = issuer.issue();
  assert.equal(issuer.check(n), 'ok');
  now += 1500;
  assert.equal(issuer.check(n), 'stale');
  assert.equal(issuer.check(n.slice(0, -1) + (n.endsWith('0') ? '1' : '0')), 'invalid');
  assert.equal(issuer.check('deadbeef'), 'invalid');
});

test('MANSCDP: GB2312 catalog with entities, case-insensitive names; DTDs and deep nesting refused', () => {
  const xml = '<?xml version="1.0" encoding="GB2312"?>\n<Response><CmdType>Catalog</CmdType><SN>17</SN><DeviceID>34020000001320000001</DeviceID><SumNum>1</SumNum>' +
    '<DeviceList Num="1"><Item><DeviceID>34020000001310000001</DeviceID><Name>东门 &amp; 西门</Name><Status>ON</Status><Longitude>121.5</Longitude></Item>' +
    '<Item><DeviceID>bad</DeviceID></Item></DeviceList></Response>';
  const m = parseManscdp(iconv.encode(xml, 'gb2312'));
  assert.equal(m.sn, 17);
  assert.equal(m.items.length, 2);
  const ch = channelFromItem(m.items[0]);
  assert.deepEqual([ch?.name, ch?.status, ch?.lng], ['东门 & 西门', 'ON', 121.5]);
  assert.equal(channelFromItem(m.items[1]), undefined, '20-digit ids only');
  // Undeclared GB2312 (not valid UTF-8) is still read.
  const undeclared = parseManscdp(iconv.encode(xml.replace(' encoding="GB2312"', ''), 'gb2312'));
  assert.equal(channelFromItem(undeclared.items[0])?.name, '东门 & 西门');
  assert.throws(() => parseXml('<!DOCTYPE x [<!ENTITY a "b">]><x/>'), XmlError);
  assert.throws(() => parseXml('<a>'.repeat(50) + '</a>'.repeat(50)), XmlError);
  assert.throws(() => parseXml('<a><b></a></b>'), XmlError);
});

test('SDP offer carries s=Play, recvonly, PS/90000, y= and setup for TCP; the answer is read back', () => {
  const ssrc = makeSsrc('3402000000', 42);
  assert.equal(ssrc, '0200000042', '0 = live, domain digits 4–8, sequence');
  const offer = buildPlayOffer({ channelId: '34020000001310000001', mediaIp: '192.0.2.10', port: 30002, transport: 'tcp-passive', ssrc });
  for (const l of ['s=Play', 'c=IN IP4 192.0.2.10', 'm=video 30002 TCP/RTP/AVP 96 97 98', 'a=recvonly', 'a=rtpmap:96 PS/90000', 'a=setup:passive', `y=${ssrc}`]) {
    assert.ok(offer.split('\r\n').includes(l), l);
  }
  const ans = parseSdp('v=0\r\ns=Play\r\nc=IN IP4 10.1.1.1\r\nm=video 6000 TCP/RTP/AVP 96\r\na=setup:active\r\ny=0100000001\r\n');
  assert.deepEqual([ans.ip, ans.port, ans.proto, ans.setup, ans.ssrc], ['10.1.1.1', 6000, 'TCP/RTP/AVP', 'active', '0100000001']);
  assert.equal(ssrcNumber('1999999999'), 1999999999);
});

test('RTP: header fields, padding, extension; RFC 4571 framing across chunk borders', () => {
  const p = buildRtp({ marker: true, payloadType: 96, seq: 65535, timestamp: 123, ssrc: 100 }, Buffer.from('psdata'));
  assert.deepEqual(parseRtp(p), { marker: true, payloadType: 96, seq: 65535, timestamp: 123, ssrc: 100, payload: Buffer.from('psdata') });
  const padded = Buffer.concat([p, Buffer.from([0, 0, 3])]);
  padded[0] |= 0x20;
  assert.equal(parseRtp(padded)?.payload.toString(), 'psdata');
  const bad = Buffer.from(p);
  bad[0] = 0x20 | 0x80;
  bad[bad.length - 1] = 200;
  assert.equal(parseRtp(bad), undefined);
  const f = new Rfc4571Framer();
  const stream = Buffer.concat([frame4571(p), frame4571(p)]);
  const out = [...f.push(stream.subarray(0, 5)), ...f.push(stream.subarray(5, 21)), ...f.push(stream.subarray(21))];
  assert.equal(out.length, 2);
  const drip = new Rfc4571Framer();
  const dripped: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) dripped.push(...drip.push(stream.subarray(i, i + 1)));
  assert.deepEqual(dripped, [p, p]);
});

test('reorder buffer: late packets put back in order, gaps given up after the window, wrap-around', () => {
  const got: number[] = [];
  const rb = new ReorderBuffer((p) => got.push(p.seq), 4, 100);
  const pkt = (seq: number) => ({ marker: false, payloadType: 96, seq, timestamp: 0, ssrc: 1, payload: Buffer.alloc(1) });
  for (const s of [65534, 0, 65535, 1]) rb.push(pkt(s), 0);
  assert.deepEqual(got, [65534, 65535, 0, 1]);
  rb.push(pkt(3), 10); // 2 is missing
  assert.deepEqual(got.length, 4);
  rb.tick(50);
  assert.equal(got.length, 4, 'still waiting within 100 ms');
  rb.tick(200);
  assert.deepEqual(got.slice(4), [3]);
  assert.equal(rb.stats.lost, 1);
  rb.push(pkt(2), 300);
  assert.equal(rb.stats.late, 1, 'a packet after its gap was given up is dropped');
  for (let s = 10; s < 20; s++) rb.push(pkt(s), 400); // 4..9 never come: the size cap forces progress
  assert.ok(rb.waiting <= 4);
});
