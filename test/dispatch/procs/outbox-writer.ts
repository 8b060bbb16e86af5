// A hit producer for kill -9 tests: writes hits through HitOutbox.begin/complete as the
// pipeline does (before/at frames at once, the after-frame later), without sending them.
// Prints `begun <n>` once hit n is durable as pending. Args: <spool dir> <first n> <count>.
import { HitOutbox } from '../../../src/dispatch/outbox.ts';
import { dispatchConfigFromEnv } from '../../../src/dispatch/queues.ts';
import { makeHit } from '../../cases/hits.ts';
import { extractFrames } from '../../evidence/helpers.ts';

const [dir, first, count] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
const outbox = new HitOutbox({ dir, cfg: dispatchConfigFromEnv(process.env) });
await outbox.init();
const jpegs = extractFrames(3, 30, 2);
for (let n = first; n < first + count; n++) {
  const hit = makeHit(n, { hitId: `kill-${n}`, cameraId: 'cam-a', zoneId: 'sidewalk' });
  const p = await outbox.begin(hit, [
    { role: 'before', capturedAt: hit.at - 2000, jpeg: jpegs[0]! },
    { role: 'at', capturedAt: hit.at, jpeg: jpegs[1]! },
  ]);
  process.stdout.write(`begun ${n}\n`);
  await new Promise((r) => setTimeout(r, 30));
  await p.complete([{ role: 'after', capturedAt: hit.at + 2000, jpeg: jpegs[2]! }]);
}
await outbox.stop();
