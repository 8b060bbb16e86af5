// Carries alerts from the case workers (other processes) to this process's AlertBus over
// Redis pub/sub. Pub/sub is fire-and-forget: a missed alert is still a case in the list.
import { Redis } from 'ioredis';
import { createLogger } from '../../util/log.ts';
import { Alert, type AlertBus, type AlertT } from './bus.ts';

const log = createLogger({ stage: 'api', part: 'alert-bridge' });

export class RedisAlertBridge {
  private sub?: Redis;
  private received = 0;
  private rejected = 0;

  constructor(
    private readonly bus: AlertBus,
    private readonly url: string,
    readonly channel = 'huiyan:alerts',
  ) {}

  async start(): Promise<void> {
    this.sub = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: null });
    this.sub.on('error', (err) => log.warn('redis error', { err: String(err) }));
    this.sub.on('message', (_ch: string, text: string) => {
      let parsed;
      try {
        parsed = Alert.safeParse(JSON.parse(text));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) {
        this.rejected++;
        return;
      }
      this.received++;
      this.bus.publish(parsed.data);
    });
    await this.sub.connect();
    await this.sub.subscribe(this.channel);
  }

  async stop(): Promise<void> {
    this.sub?.disconnect();
    this.sub = undefined;
  }

  health() {
    return { connected: this.sub?.status === 'ready', received: this.received, rejected: this.rejected };
  }
}

/** What a case worker calls to announce a new or changed case. */
export async function publishAlert(redis: Redis, alert: AlertT, channel = 'huiyan:alerts'): Promise<void> {
  await redis.publish(channel, JSON.stringify(Alert.parse(alert)));
}
