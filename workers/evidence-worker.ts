// The evidence queue's worker process: node --import tsx workers/evidence-worker.ts (settings: docs/cases.md).
import { startEvidenceWorker } from '../src/dispatch/processes.ts';
import { closeOnSignal } from '../src/dispatch/runtime.ts';
import { createLogger } from '../src/util/log.ts';

const log = createLogger({ stage: 'dispatch', worker: 'evidence', pid: process.pid });
const w = await startEvidenceWorker();
log.info('worker started');
closeOnSignal(log, () => w.close());
