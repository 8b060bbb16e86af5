// In-process fan-out of live alerts to SSE clients. Fed by RedisAlertBridge (other processes
// publish on a Redis channel) or directly by whatever creates cases in this process.
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { RuleType } from '../../config/schema.ts';
import { CASE_STATES } from '../ports.ts';

export const Alert = z.object({
  caseId: z.string(),
  hitId: z.string(),
  cameraId: z.string(),
  cameraName: z.string().optional(),
  district: z.string(),
  street: z.string(),
  category: RuleType,
  state: z.enum(CASE_STATES),
  score: z.number(),
  /** ms since epoch */
  at: z.number(),
});
export type AlertT = z.infer<typeof Alert>;

export class AlertBus {
  private readonly emitter = new EventEmitter();
  private published = 0;

  constructor() {
    // One listener per SSE client; hundreds of command-centre screens are normal.
    this.emitter.setMaxListeners(0);
  }

  publish(alert: AlertT): void {
    this.published++;
    this.emitter.emit('alert', alert);
  }

  subscribe(fn: (a: AlertT) => void): () => void {
    this.emitter.on('alert', fn);
    return () => this.emitter.off('alert', fn);
  }

  stats(): { subscribers: number; published: number } {
    return { subscribers: this.emitter.listenerCount('alert'), published: this.published };
  }
}
