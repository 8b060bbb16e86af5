// A small strict XML parser for MANSCDP: flat documents of elements and text. No DTDs, no
// entity expansion beyond the five predefined and numeric references, hard caps on size,
// depth and node count, so a hostile body costs bounded time and memory.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export const XML_LIMITS = { maxChars: 256 * 1024, maxDepth: 16, maxNodes: 20_000, maxAttrs: 16 };

export class XmlError extends Error {}

const NAME = /[A-Za-z_:][A-Za-z0-9_.:-]*/y;

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
    }
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e];
  });
}

export function parseXml(src: string): XmlElement {
  if (src.length > XML_LIMITS.maxChars) throw new XmlError('document too large');
  let i = 0;
  let nodes = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) throw new XmlError(`name expected at ${i}`);
    i += m[0].length;
    return m[0];
  };
  const skipWs = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };

  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const text = src.slice(i, lt < 0 ? src.length : lt);
    if (stack.length) stack[stack.length - 1].text += text;
    else if (text.trim() && text.trim() !== '\ufeff') throw new XmlError('text outside the root element');
    if (lt < 0) break;
    i = lt;
    if (src.startsWith('<?', i)) {
      const e = src.indexOf('?>', i);
      if (e < 0) throw new XmlError('unterminated processing instruction');
      i = e + 2;
    } else if (src.startsWith('<!--', i)) {
      const e = src.indexOf('-->', i);
      if (e < 0) throw new XmlError('unterminated comment');
      i = e + 3;
    } else if (src.startsWith('<![CDATA[', i)) {
      const e = src.indexOf(']]>', i);
      if (e < 0 || !stack.length) throw new XmlError('bad CDATA');
      stack[stack.length - 1].text += src.slice(i + 9, e);
      i = e + 3;
    } else if (src.startsWith('<!', i)) {
      throw new XmlError('DTDs are not accepted');
    } else if (src[i + 1] === '/') {
      i += 2;
      const name = readName();
      skipWs();
      if (src[i] !== '>') throw new XmlError('bad end tag');
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlError(`mismatched </${name}>`);
      open.text = decodeEntities(open.text).trim();
    } else {
      i++;
      const el: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
      if (++nodes > XML_LIMITS.maxNodes) throw new XmlError('too many elements');
      for (;;) {
        skipWs();
        if (src[i] === '>' || src.startsWith('/>', i)) break;
        const an = readName();
        skipWs();
        if (src[i] !== '=') throw new XmlError('attribute without value');
        i++;
        skipWs();
        const q = src[i];
        if (q !== '"' && q !== "'") throw new XmlError('unquoted attribute');
        const e = src.indexOf(q, i + 1);
        if (e < 0) throw new XmlError('unterminated attribute');
        if (Object.keys(el.attrs).length >= XML_LIMITS.maxAttrs) throw new XmlError('too many attributes');
        el.attrs[an] = decodeEntities(src.slice(i + 1, e));
        i = e + 1;
      }
      const selfClose = src[i] === '/';
      i += selfClose ? 2 : 1;
      if (stack.length) stack[stack.length - 1].children.push(el);
      else if (root) throw new XmlError('more than one root element');
      else root = el;
      if (!selfClose) {
        stack.push(el);
        if (stack.length > XML_LIMITS.maxDepth) throw new XmlError('too deep');
      }
    }
  }
  if (stack.length || !root) throw new XmlError('unterminated document');
  return root;
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** First child element named `name` (MANSCDP names are case-sensitive, but devices vary: we are not). */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  const n = name.toLowerCase();
  return el.children.find((c) => c.name.toLowerCase() === n);
}

export function childText(el: XmlElement, name: string): string | undefined {
  return child(el, name)?.text;
}
