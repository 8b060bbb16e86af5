// The case queue's worker process: node --import tsx workers/case-worker.ts (settings: docs/cases.md).
import { startCaseWorker } from '../src/dispatch/processes.ts';
import { closeOnSignal } from '../src/dispatch/runtime.ts';
import { createLogger } from '../src/util/log.ts';

const log = createLogger({ stage: 'dispatch', worker: 'case', pid: process.pid });
const w = await startCaseWorker();
log.info('worker started');
closeOnSignal(log, () => w.close());
