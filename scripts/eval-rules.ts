// npm run eval — runs the four rules over labelled cases (real footage and composites of
// real imagery) with the real detectors, and prints precision and recall per rule.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkpointStrip, compositePoster, compositeSpill, compositeStall, vtestSidewalk, type EvalCase } from '../src/analytics/eval/cases.ts';
import { evalOverflowHoldout, heldOutPhotos } from '../src/analytics/eval/overflow-cases.ts';
import { runCase, type CaseResult } from '../src/analytics/eval/runner.ts';
import { OverflowClassifier } from '../src/analytics/overflow/classifier.ts';
import { loadDetector, loadTextRecognizer } from '../src/inference/detectors.ts';
import { PROJECT_ROOT } from '../src/inference/manifest.ts';

const threads = Number(process.env.HUIYAN_THREADS ?? 2);
const overflowStep = Number(process.env.EVAL_OVERFLOW_STEP ?? 1);

async function main(): Promise<void> {
  const t0 = Date.now();
  const objects = await loadDetector('yolox-nano', { threads });
  const text = await loadDetector('ppocr-v4-det', { threads });
  const reader = await loadTextRecognizer('ppocr-v4-rec', { threads });
  const cases: EvalCase[] = [
    vtestSidewalk(),
    compositeStall(),
    compositePoster(),
    checkpointStrip(true),
    checkpointStrip(false),
    compositeSpill({ truck: true, debris: true }),
    compositeSpill({ truck: true, debris: false }),
    compositeSpill({ truck: false, debris: true }),
  ];
  const results: CaseResult[] = [];
  for (const c of cases) {
    const r = await runCase(c, { objects, text, reader });
    results.push(r);
    const extra = c.clearBy ? `, cleared in time ${r.clearedInTime}/${r.tp}` : '';
    const phones = r.events.find((e) => e.attributes.phoneNumbers && (e.attributes.phoneNumbers as string[]).length)?.attributes.phoneNumbers;
    console.log(`${r.name}: ${r.samples} samples, opened ${r.opened}, cleared ${r.cleared}, tp ${r.tp} fp ${r.fp} fn ${r.fn}${extra}` +
      `${phones ? `, phones ${JSON.stringify(phones)}` : ''} (${r.seconds.toFixed(1)} s)`);
  }
  const classifier = await OverflowClassifier.load(undefined, threads);
  const photos = heldOutPhotos(overflowStep);
  const tO = Date.now();
  const ov = await evalOverflowHoldout(classifier, photos);
  console.log(`overflow / held-out photos as bin-point cameras (real photos): ${ov.photos} photos, tp ${ov.tp} fp ${ov.fp} fn ${ov.fn} tn ${ov.tn} (${((Date.now() - tO) / 1000).toFixed(1)} s)`);

  const rows = (['vending', 'overflow', 'ads', 'spillage'] as const).map((rule) => {
    const rs = results.filter((r, i) => r.rule === rule && !cases[i]!.control);
    const tp = rs.reduce((s, r) => s + r.tp, 0) + (rule === 'overflow' ? ov.tp : 0);
    const fp = rs.reduce((s, r) => s + r.fp, 0) + (rule === 'overflow' ? ov.fp : 0);
    const fn = rs.reduce((s, r) => s + r.fn, 0) + (rule === 'overflow' ? ov.fn : 0);
    const caseText = rule === 'overflow' ? `${ov.photos} real photos` : `${rs.length} (${rs.filter((r) => r.composite).length} composite)`;
    return { rule, cases: caseText, tp, fp, fn, precision: tp + fp ? tp / (tp + fp) : NaN, recall: tp + fn ? tp / (tp + fn) : NaN };
  });
  for (const [i, r] of results.entries()) if (cases[i]!.control) console.log(`control, not in the table: ${r.name}: ${r.opened} alert(s)`);
  const f = (x: number): string => (Number.isNaN(x) ? '  n/a' : x.toFixed(3));
  console.log('\n| rule | cases | alerts expected | tp | fp | fn | precision | recall |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.rule} | ${r.cases} | ${r.tp + r.fn} | ${r.tp} | ${r.fp} | ${r.fn} | ${f(r.precision)} | ${f(r.recall)} |`);
  console.log(`\n(n/a: no alert expected and none raised.) Total ${((Date.now() - t0) / 1000).toFixed(0)} s with ${threads} threads.`);

  const out = path.join(PROJECT_ROOT, 'benchmarks/results/eval.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), rows, cases: results.map(({ events, ...r }) => ({ ...r, hits: events.filter((e) => e.event === 'opened').map((e) => e.attributes) })), overflow: ov }, null, 1));
  await Promise.all([objects.close(), text.close(), classifier.close()]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
