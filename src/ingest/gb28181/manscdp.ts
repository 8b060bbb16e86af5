// MANSCDP (GB/T 28181 Annex A) bodies: Keepalive, Catalog and DeviceInfo. Devices send GB2312
// (most cameras) or UTF-8; the XML prolog says which, and some lie, so undeclared bodies that are
// not valid UTF-8 are read as GB18030 (a superset of GB2312).
import iconv from 'iconv-lite';
import { type XmlElement, child, childText, escapeXml, parseXml } from './xml.ts';

export type ManscdpRoot = 'Notify' | 'Query' | 'Response' | 'Control';

export interface ManscdpMessage {
  root: ManscdpRoot;
  cmdType: string;
  sn: number;
  deviceId: string;
  /** Text of every leaf child of the root, e.g. Status, DeviceName, SumNum. */
  fields: Record<string, string>;
  /** Items of a DeviceList (Catalog responses), each as its leaf fields. */
  items: Record<string, string>[];
}

export interface ChannelInfo {
  channelId: string;
  name: string;
  manufacturer?: string;
  model?: string;
  status: 'ON' | 'OFF';
  parentId?: string;
  address?: string;
  lng?: number;
  lat?: number;
}

const MAX_ITEMS = 4096;

/** A well-formed XML document that is not the MANSCDP we understand. */
export class ManscdpError extends Error {}

export function decodeBody(body: Buffer): string {
  const head = body.subarray(0, 100).toString('latin1');
  const declared = /encoding\s*=\s*["']([A-Za-z0-9_-]+)["']/i.exec(head)?.[1]?.toLowerCase();
  if (declared && declared !== 'utf-8' && declared !== 'utf8' && iconv.encodingExists(declared)) {
    return iconv.decode(body, declared === 'gb2312' ? 'gb18030' : declared);
  }
  const utf8 = body.toString('utf8');
  if (!declared && utf8.includes('\ufffd')) return iconv.decode(body, 'gb18030');
  return utf8;
}

function leafFields(el: XmlElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of el.children) if (!c.children.length && !(c.name in out)) out[c.name] = c.text;
  return out;
}

/** Parses a MANSCDP body; throws on anything that is not a well-formed MANSCDP document. */
export function parseManscdp(body: Buffer): ManscdpMessage {
  const doc = parseXml(decodeBody(body));
  if (!['Notify', 'Query', 'Response', 'Control'].includes(doc.name)) throw new ManscdpError(`unknown MANSCDP root <${doc.name}>`);
  const cmdType = childText(doc, 'CmdType');
  const deviceId = childText(doc, 'DeviceID');
  const sn = Number(childText(doc, 'SN') ?? 'NaN');
  if (!cmdType || !deviceId || !Number.isInteger(sn)) throw new ManscdpError('MANSCDP without CmdType, SN or DeviceID');
  const list = child(doc, 'DeviceList');
  const items = list ? list.children.filter((c) => c.name.toLowerCase() === 'item').slice(0, MAX_ITEMS).map(leafFields) : [];
  return { root: doc.name as ManscdpRoot, cmdType, sn, deviceId, fields: leafFields(doc), items };
}

const num = (s: string | undefined): number | undefined => {
  const n = s === undefined || s === '' ? NaN : Number(s);
  return Number.isFinite(n) ? n : undefined;
};

export function channelFromItem(item: Record<string, string>): ChannelInfo | undefined {
  const id = item.DeviceID;
  if (!id || !/^\d{20}$/.test(id)) return undefined;
  return {
    channelId: id,
    name: (item.Name ?? '').slice(0, 200),
    manufacturer: item.Manufacturer,
    model: item.Model,
    status: /^(ON|ONLINE|OK)$/i.test(item.Status ?? '') ? 'ON' : 'OFF',
    parentId: item.ParentID,
    address: item.Address,
    lng: num(item.Longitude),
    lat: num(item.Latitude),
  };
}

/** Builds a MANSCDP document; `fields` become leaf elements in order. */
export function buildManscdp(root: ManscdpRoot, fields: Array<[string, string | number]>, extraXml = ''): string {
  const body = fields.map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join('\r\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\r\n<${root}>\r\n${body}\r\n${extraXml}</${root}>\r\n`;
}

export function buildQuery(cmdType: 'Catalog' | 'DeviceInfo' | 'DeviceStatus', sn: number, deviceId: string): Buffer {
  return Buffer.from(buildManscdp('Query', [['CmdType', cmdType], ['SN', sn], ['DeviceID', deviceId]]), 'utf8');
}

export const MANSCDP_CONTENT_TYPE = 'Application/MANSCDP+xml';
