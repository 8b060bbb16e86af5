// GB/T 28181 in the appliance: when HUIYAN_GB28181_CONFIG names a YAML file, its SIP server
// starts and `source.kind: gb28181` cameras play through it. Without it such cameras are
// reported as down with a reason (createSource throws for an unregistered kind).
import { Gb28181Service } from '../ingest/gb28181/index.ts';
import { loadGb28181Config } from '../ingest/gb28181/config.ts';
import { registerSourceKind } from '../ingest/sources.ts';
import type { Logger } from '../util/log.ts';

export async function startGb28181(file: string | undefined, log: Logger): Promise<Gb28181Service | undefined> {
  if (!file) return undefined;
  const cfg = await loadGb28181Config(file); // strict: unknown keys are errors with file:line
  const svc = new Gb28181Service(cfg);
  await svc.start();
  registerSourceKind('gb28181', (camera, tuning) => svc.createSource(camera, tuning));
  log.info('GB28181 SIP server started', { sipId: svc.cfg.sipId, port: svc.cfg.sipPort, mediaIp: svc.cfg.mediaIp });
  return svc;
}
