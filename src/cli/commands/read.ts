// `huiyan read <image>`: the OCR lines, phone numbers and licence plates in a still, as text
// or JSON. PP-OCR det + rec for the text, YOLOX-nano for the vehicles whose plates are read.
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.ts';
import { loadDetector, loadTextRecognizer } from '../../inference/detectors.ts';
import { readImageBgr } from '../../inference/image.ts';
import { PlateReader } from '../../analytics/reading/plate-reader.ts';
import { formatPlate } from '../../analytics/reading/plate.ts';
import { readStill, type StillReading } from '../../analytics/reading/still.ts';

const usage = 'huiyan read <image> [--area-code 021] [--json] [--threads N]';

function parse(argv: string[]): { input: string; areaCode?: string; json: boolean; threads?: number } {
  let v;
  try {
    v = parseArgs({ args: argv, allowPositionals: true, options: { 'area-code': { type: 'string' }, json: { type: 'boolean', default: false }, threads: { type: 'string' } } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const input = v.positionals[0];
  if (!input || v.positionals.length > 1) throw new UsageError('give exactly one image file');
  const areaCode = v.values['area-code'];
  if (areaCode !== undefined && !/^0\d{2,3}$/.test(areaCode)) throw new UsageError(`--area-code must be a Chinese area code such as 021 or 0755, got "${areaCode}"`);
  const threads = v.values.threads === undefined ? undefined : Number(v.values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) throw new UsageError(`--threads must be a positive integer, got "${v.values.threads}"`);
  return { input, areaCode, json: v.values.json!, threads };
}

const r2 = (b: number[]): number[] => b.map((x) => Math.round(x));

function asText(r: StillReading): string {
  const out = [`OCR lines (${r.lines.length}):`];
  r.lines.forEach((l, i) => out.push(`  ${String(i).padStart(2)}  ${l.text}    [score ${l.score.toFixed(2)}, box ${r2(l.box).join(',')}]`));
  out.push(`phone numbers (${r.phones.length}):`);
  for (const p of r.phones) {
    const ext = p.extension ? ` 转 ${p.extension}` : '';
    const area = p.areaCodeFromCamera ? ', area code from --area-code' : '';
    out.push(`  ${p.number}${ext}  ${p.kind}  confidence ${p.confidence.toFixed(2)}  line ${p.lines.join('+')}: ${p.source}${area}`);
  }
  out.push(`plates (${r.plates.length}):`);
  for (const p of r.plates) out.push(`  ${formatPlate(p.plate)}  ${p.kind}  confidence ${p.confidence.toFixed(2)}  on ${p.vehicle.className} at ${r2(p.vehicle.box).join(',')}`);
  return out.join('\n') + '\n';
}

const command: Command = {
  summary: 'print the OCR lines, phone numbers and licence plates in an image',
  usage,
  async run(argv) {
    const o = parse(argv);
    const image = await readImageBgr(o.input).catch((e: Error) => {
      throw new UsageError(`cannot read image "${o.input}": ${e.message}`);
    });
    const [text, reader, objects] = await Promise.all([
      loadDetector('ppocr-v4-det', { threads: o.threads }),
      loadTextRecognizer('ppocr-v4-rec', { threads: o.threads }),
      loadDetector('yolox-nano', { threads: o.threads }),
    ]);
    try {
      const r = await readStill(image, { text, reader, objects, plates: new PlateReader(text, reader) }, { areaCode: o.areaCode });
      process.stdout.write(o.json ? JSON.stringify({ image: o.input, width: image.width, height: image.height, ...r }, null, 2) + '\n' : asText(r));
      return 0;
    } finally {
      await Promise.all([text.close(), reader.close(), objects.close()]);
    }
  },
};

export default command;
