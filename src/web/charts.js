// Plain SVG bar charts: enough for counts per type, district and hour; no chart library.
const NS = 'http://www.w3.org/2000/svg';
const node = (tag, attrs, text) => {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
};

/** rows: [{label, value, title?}]; horizontal bars when labels are long, else columns. */
export function barChart(rows, { width = 520, height = 180, color = '#3aa0ff', max, format = (v) => String(v), vertical = false } = {}) {
  const svg = node('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img' });
  const top = max ?? Math.max(1, ...rows.map((r) => r.value));
  if (vertical) {
    const bw = width / Math.max(1, rows.length);
    rows.forEach((r, i) => {
      const h = ((height - 28) * r.value) / top;
      const bar = node('rect', { x: i * bw + 2, y: height - 16 - h, width: Math.max(1, bw - 4), height: h, fill: color });
      bar.append(node('title', {}, `${r.label}: ${format(r.value)}`));
      svg.append(bar);
      if (rows.length <= 12 || i % 3 === 0) svg.append(node('text', { x: i * bw + bw / 2, y: height - 3, 'text-anchor': 'middle' }, r.label));
      if (r.value) svg.append(node('text', { x: i * bw + bw / 2, y: height - 19 - h, 'text-anchor': 'middle' }, format(r.value)));
    });
    return svg;
  }
  const rh = Math.min(28, (height - 4) / Math.max(1, rows.length));
  const labelW = 110;
  rows.forEach((r, i) => {
    const y = i * rh + 2;
    const w = ((width - labelW - 60) * r.value) / top;
    svg.append(node('text', { x: labelW - 6, y: y + rh * 0.65, 'text-anchor': 'end' }, r.label));
    const bar = node('rect', { x: labelW, y: y + 3, width: Math.max(1, w), height: rh - 6, fill: color, rx: 2 });
    bar.append(node('title', {}, `${r.label}: ${format(r.value)}`));
    svg.append(bar);
    svg.append(node('text', { x: labelW + w + 6, y: y + rh * 0.65 }, format(r.value)));
  });
  return svg;
}
