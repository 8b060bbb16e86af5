// npm run eval — runs the rules over labelled cases (real footage and composites of
// real imagery) with the real detectors, and prints precision and recall per rule.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkpointStrip, compositeBicycles, compositePassingVan, compositePile, compositePoster, compositeShopfront, compositeSpill, compositeStall, vtestCrowd, vtestParking, vtestSidewalk, type EvalCase } from './eval/cases.ts';
import { evalOverflowHoldout, heldOutPhotos } from './eval/overflow-cases.ts';
import { STALL_VIEWS, stallPhotoCases } from './eval/stall-photos.ts';
import { runCase, type CaseResult } from './eval/runner.ts';
import { evalReading } from './eval/reading.ts';
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
    vtestParking({ spot: true }),
    vtestParking({ spot: false }),
    compositePassingVan(),
    vtestCrowd(6),
    vtestCrowd(10),
    compositeBicycles({ count: 3 }),
    compositeBicycles({ count: 2 }),
    compositeBicycles({ count: 3, from: 5, to: 20 }),
    compositeBicycles({ count: 3, minVehicles: 4 }),
    compositePile({ from: 10 }),
    compositePile({ from: 10, to: 25 }),
    compositePile(),
    compositeShopfront({ beyond: true }),
    compositeShopfront({ beyond: false }),
  ];
  const results: CaseResult[] = [];
  for (const c of cases) {
    const r = await runCase(c, { objects, text, reader });
    results.push(r);
    const extra = c.clearBy ? `, cleared in time ${r.clearedInTime}/${r.tp}` : '';
    const phones = r.events.flatMap((e) => (e.rule === 'ads' && e.attributes.phoneNumbers.length ? [e.attributes.phoneNumbers] : []))[0];
    console.log(`${r.name}: ${r.samples} samples, opened ${r.opened}, cleared ${r.cleared}, tp ${r.tp} fp ${r.fp} fn ${r.fn}${extra}` +
      `${phones ? `, phones ${JSON.stringify(phones)}` : ''} (${r.seconds.toFixed(1)} s)`);
  }
  const classifier = await OverflowClassifier.load(undefined, threads);
  const photos = heldOutPhotos(classifier.head, overflowStep);
  const tO = Date.now();
  const ov = await evalOverflowHoldout(classifier, photos);
  console.log(`overflow / grouped hold-out photos as bin-point cameras (real photos): ${ov.photos} photos, tp ${ov.tp} fp ${ov.fp} fn ${ov.fn} tn ${ov.tn} (${((Date.now() - tO) / 1000).toFixed(1)} s)`);
  // Vending precondition recall: kept out of the per-rule table (stills, not footage).
  const stalls: CaseResult[] = [];
  for (const c of stallPhotoCases()) {
    const r = await runCase(c, { objects });
    stalls.push(r);
    const seen = r.events.find((e) => e.event === 'opened' && e.rule === 'vending');
    console.log(`${r.name}: precondition ${r.tp ? 'holds' : 'does not hold'}${seen?.rule === 'vending' ? ` (${seen.attributes.persons} persons, ${seen.attributes.objects.join(', ')})` : ''} (${r.seconds.toFixed(1)} s)`);
  }

  const rows = (['vending', 'overflow', 'ads', 'spillage', 'parking', 'crowding', 'bicycles', 'materials', 'outside_shop'] as const).map((rule) => {
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

  const reading = await evalReading({ objects, text, reader }, threads);
  console.log('\n| reading / verification | set | result |\n|---|---|---|');
  const stallTp = stalls.reduce((s, r) => s + r.tp, 0);
  const stallFp = stalls.reduce((s, r) => s + r.fp, 0);
  reading.push({
    item: 'vending precondition (person + vendor object), real stall photo',
    set: `street/times_square_vendor_cart.png (1 of the 7 photos issue 13 names; the others are not in ../shared), ${stalls.length} views`,
    result: `holds in ${stallTp}/${stalls.length} views (${stalls.map((r, i) => `${STALL_VIEWS[i]!.name}: ${r.tp ? 'yes' : 'no'}`).join('; ')}), ${stallFp} alert(s) off the stall`,
  });
  const m = classifier.head.training.operatingPoint as { minPrecision: number; margin: number };
  const ovAcc = (ov.tp + ov.tn) / ov.photos;
  reading.push({
    item: 'overflow head, grouped hold-out (near-duplicates never split)',
    set: `${ov.photos} real photos (${ov.tp + ov.fn} overflowing), bin-point rule, zone threshold 0.5`,
    result: `accuracy ${(ovAcc * 100).toFixed(1)} %, precision ${((ov.tp / Math.max(1, ov.tp + ov.fp)) * 100).toFixed(1)} %, recall ${((ov.tp / Math.max(1, ov.tp + ov.fn)) * 100).toFixed(1)} % at the operating point (ridge margin ${m.margin.toFixed(3)}: precision ≥ ${m.minPrecision} in grouped CV)`,
  });
  for (const r of reading) console.log(`| ${r.item} | ${r.set} | ${r.result} |`);

  const out = path.join(PROJECT_ROOT, 'benchmarks/results/eval.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), rows, cases: results.map(({ events, ...r }) => ({ ...r, hits: events.filter((e) => e.event === 'opened').map((e) => e.attributes) })), overflow: ov, stallPhotos: stalls.map(({ events, ...r }) => r), reading }, null, 1));
  await Promise.all([objects.close(), text.close(), classifier.close()]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
