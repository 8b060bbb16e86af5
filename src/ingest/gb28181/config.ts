// The SIP server's own settings (one per appliance), separate from the per-camera source entry
// in streams-config (deviceId, channelId, transport), which lives in src/config/schema.ts.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseStrict, ConfigError } from '../../config/load.ts';

const GbId = z.string().regex(/^\d{20}$/, 'expected a 20-digit GB/T 28181 id');

export const Gb28181DeviceEntry = z.object({
  id: GbId,
  /** Overrides the global password for this device. */
  password: z.string().min(1).optional(),
  name: z.string().optional(),
}).strict();

export const Gb28181Config = z
  .object({
    /** Our SIP id (the platform id the devices are configured with, "SIP服务器ID"). */
    sipId: GbId.default('34020000002000000001'),
    /** SIP domain ("SIP服务器域"), the digest realm: 10 digits, normally the first 10 of sipId. */
    domain: z.string().regex(/^\d{10}$/).optional(),
    listenHost: z.string().default('0.0.0.0'),
    sipPort: z.number().int().min(1).max(65535).default(5060),
    udp: z.boolean().default(true),
    tcp: z.boolean().default(true),
    /** Address the devices can reach us on: written into Contact and into the SDP c= line. */
    mediaIp: z.string().min(1).default('127.0.0.1'),
    rtpPortMin: z.number().int().min(1024).max(65535).default(30000),
    rtpPortMax: z.number().int().min(1024).max(65535).default(30499),
    /** Global device password ("SIP认证密码"); per-device entries override it. */
    password: z.string().min(1).optional(),
    devices: z.array(Gb28181DeviceEntry).default([]),
    /** Accept any well-formed 20-digit device id that authenticates with the global password. */
    autoRegister: z.boolean().default(false),
    registerExpiresMaxSeconds: z.number().int().positive().default(3600),
    nonceTtlSeconds: z.number().positive().default(300),
    /** REGISTER attempts per device id (and per source address) per minute. */
    registerPerMinute: z.number().int().positive().default(30),
    keepaliveIntervalSeconds: z.number().positive().default(60),
    keepaliveMissLimit: z.number().int().positive().default(3),
    /** No RTP for this long after a play started → BYE and a new INVITE. */
    streamTimeoutSeconds: z.number().positive().default(10),
    /** Time to wait for the final response to INVITE/MESSAGE. */
    transactionTimeoutSeconds: z.number().positive().default(8),
    /** Drop RTP whose SSRC differs from the one we offered (y=) or the device answered. */
    strictSsrc: z.boolean().default(true),
    /** Reorder window: a gap is given up after this many packets or this many ms. */
    reorderPackets: z.number().int().min(1).max(4096).default(128),
    reorderMs: z.number().int().min(0).max(5000).default(200),
    storePath: z.string().default('var/gb28181-devices.json'),
  })
  .strict()
  .refine((c) => c.rtpPortMin <= c.rtpPortMax, { message: 'rtpPortMin must not exceed rtpPortMax' });

export type Gb28181ConfigT = z.infer<typeof Gb28181Config>;

export function realmOf(c: Gb28181ConfigT): string {
  return c.domain ?? c.sipId.slice(0, 10);
}

/**
 * Reads the SIP server's YAML file strictly: settings at the top level; an unknown key (or the
 * `gb28181:` wrapper of older docs) is an error with file:line and a suggestion.
 * Throws ConfigError listing every issue.
 */
export async function loadGb28181Config(file: string): Promise<Gb28181ConfigT> {
  const text = await readFile(file, 'utf8');
  const { value, issues } = parseStrict(Gb28181Config, text, file);
  if (!value) throw new ConfigError(issues);
  return value;
}
