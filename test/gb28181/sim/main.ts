// Runs the device simulator on its own, e.g. against a real GB28181 platform (wvp, a bureau's
// platform) or against `huiyan` on another machine:
//   npx tsx test/gb28181/sim/main.ts --server 192.0.2.5:5060 --local-ip 192.0.2.20 \
//     --device-id 34020000001320000001 --password 12345678 [--transport tcp] [--keepalive 60]
// Ctrl-C unregisters (Expires: 0) and exits.
import { parseArgs } from 'node:util';
import { DeviceSimulator } from './device-sim.ts';

const { values: v } = parseArgs({
  options: {
    server: { type: 'string', default: '127.0.0.1:5060' },
    'server-id': { type: 'string', default: '34020000002000000001' },
    domain: { type: 'string' },
    'device-id': { type: 'string', default: '34020000001320000001' },
    password: { type: 'string', default: '12345678' },
    transport: { type: 'string', default: 'udp' },
    'local-ip': { type: 'string', default: '127.0.0.1' },
    'local-port': { type: 'string', default: '15079' },
    keepalive: { type: 'string', default: '60' },
    channels: { type: 'string', default: '2' },
  },
});
const [host, port] = v.server!.split(':');
const dev = v['device-id']!;
const sim = new DeviceSimulator({
  deviceId: dev,
  serverId: v['server-id']!,
  domain: v.domain ?? v['server-id']!.slice(0, 10),
  serverHost: host,
  serverPort: Number(port ?? 5060),
  localPort: Number(v['local-port']),
  localIp: v['local-ip'],
  sipTransport: v.transport === 'tcp' ? 'tcp' : 'udp',
  password: v.password!,
  keepaliveMs: Number(v.keepalive) * 1000,
  // Channel ids: the device id with type code 131 (camera) and a running number.
  channels: Array.from({ length: Number(v.channels) }, (_x, i) => ({ id: `${dev.slice(0, 10)}131${String(i + 1).padStart(7, '0')}`, name: `模拟通道${i + 1}` })),
});
await sim.open();
const { statuses } = await sim.register();
console.log(`REGISTER → ${statuses.join(' → ')}`);
if (statuses.at(-1) !== 200) process.exit(1);
sim.startKeepalives();
sim.on('invite', (sdp) => console.log(`INVITE:\n${sdp}`));
sim.on('bye', () => console.log('BYE'));
process.on('SIGINT', async () => {
  await sim.register(0).catch(() => undefined);
  await sim.close();
  process.exit(0);
});
