// The notify queue's worker process: node --import tsx workers/notify-worker.ts (settings: docs/cases.md).
import { startNotifyWorker } from '../src/dispatch/processes.ts';
import { closeOnSignal } from '../src/dispatch/runtime.ts';
import { createLogger } from '../src/util/log.ts';

const log = createLogger({ stage: 'dispatch', worker: 'notify', pid: process.pid });
const w = await startNotifyWorker();
log.info('worker started');
closeOnSignal(log, () => w.close());
