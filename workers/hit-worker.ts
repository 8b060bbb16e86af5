// The hit queue's worker process: node --import tsx workers/hit-worker.ts (settings: docs/cases.md).
import { startHitWorker } from '../src/dispatch/processes.ts';
import { closeOnSignal } from '../src/dispatch/runtime.ts';
import { createLogger } from '../src/util/log.ts';

const log = createLogger({ stage: 'dispatch', worker: 'hit', pid: process.pid });
const w = await startHitWorker();
log.info('worker started');
closeOnSignal(log, () => w.close());
