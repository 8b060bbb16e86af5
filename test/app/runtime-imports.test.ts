// The runtime never loads offline tools: walks the static import graph (and literal dynamic
// imports) from every process entry point of a deployment — `huiyan serve`, the site's workers,
// the API process — and fails on any module under tools/ (evaluation, training, the composite
// footage generator), benchmarks/, test/, or the demo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';

const OFFLINE = [/^tools\//, /^benchmarks\//, /^test\//, /^src\/app\/demo\.ts$/, /^src\/app\/sample-rtsp\//, /^src\/cli\/commands\/demo\.ts$/];

const ENTRIES = [
  'src/cli/main.ts',
  // main.ts imports its subcommand by a computed path: the one `serve` runs.
  'src/cli/commands/serve.ts',
  'src/api/main.ts',
  ...readdirSync(path.join(PROJECT_ROOT, 'workers')).filter((f) => f.endsWith('.ts')).map((f) => `workers/${f}`),
];

/** Every project module reachable from `entry`, each with the chain that reached it. */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[entry, [entry]]]);
  const todo = [entry];
  while (todo.length) {
    const mod = todo.pop()!;
    const text = readFileSync(path.join(PROJECT_ROOT, mod), 'utf8');
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      if (!ref.fileName.startsWith('.')) continue; // packages and node: built-ins
      const target = path.relative(PROJECT_ROOT, path.resolve(PROJECT_ROOT, path.dirname(mod), ref.fileName));
      if (!target.endsWith('.ts') || seen.has(target)) continue;
      seen.set(target, [...seen.get(mod)!, target]);
      todo.push(target);
    }
  }
  return seen;
}

test('the walker follows imports: an offline tool reaches tools/ and src/', () => {
  const g = reachable('tools/eval-rules.ts');
  assert.ok(g.has('tools/eval/cases.ts'));
  assert.ok(g.has('src/analytics/engine.ts'));
});

for (const entry of ENTRIES) {
  test(`${entry} loads no offline module`, () => {
    const g = reachable(entry);
    assert.ok(g.size > 1, `${entry} reaches ${g.size} modules`);
    const offline = [...g].filter(([m]) => OFFLINE.some((re) => re.test(m)));
    assert.deepEqual(offline.map(([, chain]) => chain.join(' → ')), []);
  });
}
