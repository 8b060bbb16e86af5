// huiyan dead-letter list|replay: the jobs that used up their attempts (or could never succeed)
// are parked in the `dead` queue with their original queue, id, data and last error
// (src/dispatch/runtime.ts). `list` shows them; `replay <deadId…>|--all` puts each back on its
// queue — retrying the failed original job when BullMQ still has it, else re-adding it under
// its original id (so a hit replayed twice is still one job) — and removes the parked copy.
import { z } from 'zod';
import { UsageError, type Command } from '../command.ts';
import { dispatchConfigFromEnv, jobOptions, makeQueue, QUEUES, type QueueName } from '../../dispatch/queues.ts';

const DeadJob = z.object({
  queue: z.enum([QUEUES.hit, QUEUES.evidence, QUEUES.case, QUEUES.notify, QUEUES.warn]),
  jobId: z.string(),
  name: z.string(),
  data: z.unknown(),
  error: z.string(),
  attemptsMade: z.number(),
  failedAt: z.string(),
});

export async function runDeadLetter(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list' && sub !== 'replay') throw new UsageError('expected list or replay');
  const json = rest.includes('--json');
  const ids = rest.filter((a) => !a.startsWith('--'));
  if (sub === 'replay' && !ids.length && !rest.includes('--all')) throw new UsageError('replay needs dead-letter ids or --all');
  const cfg = dispatchConfigFromEnv();
  const dead = makeQueue(QUEUES.dead, cfg);
  const queues = new Map<QueueName, ReturnType<typeof makeQueue>>();
  const queueOf = (n: QueueName) => queues.get(n) ?? queues.set(n, makeQueue(n, cfg)).get(n)!;
  try {
    const jobs = (await dead.getJobs(['waiting', 'delayed', 'prioritized'])).filter((j) => j && (sub === 'list' || !ids.length || ids.includes(String(j.id))));
    if (sub === 'list') {
      const rows = jobs.map((j) => ({ deadId: String(j.id), ...(DeadJob.safeParse(j.data).data ?? { error: 'unreadable dead-letter entry' }) }));
      if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else {
        for (const r of rows) {
          const d = r as { deadId: string; queue?: string; jobId?: string; failedAt?: string; attemptsMade?: number; error: string };
          process.stdout.write(`${d.deadId}\t${d.queue ?? '?'}\t${d.jobId ?? '?'}\t${d.failedAt ?? '?'}\t${d.attemptsMade ?? '?'} attempt(s)\t${d.error}\n`);
        }
        process.stdout.write(`${rows.length} dead-letter job(s) (prefix ${cfg.prefix})\n`);
      }
      return 0;
    }
    const missing = ids.filter((id) => !jobs.some((j) => String(j.id) === id));
    for (const id of missing) process.stderr.write(`huiyan dead-letter: no dead-letter job ${id}\n`);
    let replayed = 0;
    for (const j of jobs) {
      const d = DeadJob.safeParse(j.data);
      if (!d.success) {
        process.stderr.write(`huiyan dead-letter: ${j.id} is unreadable, left in place\n`);
        continue;
      }
      const q = queueOf(d.data.queue);
      const original = await q.getJob(d.data.jobId);
      const state = original ? await original.getState() : 'gone';
      if (state === 'failed') await original!.retry();
      else if (state === 'gone') await q.add(d.data.name, d.data.data, jobOptions(cfg, d.data.jobId));
      // waiting/active/delayed/completed: already back on its way or done; only the parked copy goes.
      await j.remove();
      replayed++;
      process.stdout.write(`replayed ${j.id} → ${d.data.queue} ${d.data.jobId} (${state === 'failed' ? 'retried' : state === 'gone' ? 're-added' : `was ${state}`})\n`);
    }
    return missing.length ? 1 : replayed || !ids.length ? 0 : 1;
  } finally {
    await dead.close();
    for (const q of queues.values()) await q.close();
  }
}

const command: Command = {
  summary: 'list or replay jobs parked in the dead-letter queue',
  usage: 'huiyan dead-letter list [--json] | replay <deadId…>|--all   (HUIYAN_REDIS_URL, HUIYAN_QUEUE_PREFIX)',
  run: runDeadLetter,
};
export default command;
