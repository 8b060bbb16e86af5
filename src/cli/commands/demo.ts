// `huiyan demo`: the whole system on sample footage with the embedded defaults.
import { UsageError, type Command } from '../command.ts';
import { startDemo } from '../../app/demo.ts';

const STOP_DEADLINE_MS = 10_000;

const command: Command = {
  summary: 'run everything on sample cameras (PGlite, filesystem evidence, local Redis) and serve the web UI',
  usage: 'huiyan demo [--port 8080] [--host 127.0.0.1] [--password huiyan-demo]',
  async run(argv) {
    const opts: { port?: number; host?: string; password?: string } = {};
    for (let i = 0; i < argv.length; i += 2) {
      const [flag, value] = [argv[i], argv[i + 1]];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      if (flag === '--port') opts.port = Number(value);
      else if (flag === '--host') opts.host = value;
      else if (flag === '--password') opts.password = value;
      else throw new UsageError(`unknown option ${flag}`);
    }
    // Ctrl-C while starting: exit at once; the exit handlers kill the sample RTSP servers and
    // remove the temp media (Node's default SIGINT action would skip them).
    const early = () => process.exit(130);
    process.once('SIGINT', early).once('SIGTERM', early);
    const demo = await startDemo(opts);
    process.off('SIGINT', early).off('SIGTERM', early);
    const districts = [...new Set(demo.app.cameras.cameras().map((c) => c.location.district))].sort();
    const lines = [
      '',
      `  慧眼 Huiyan demo is running: ${demo.url}   (API docs: ${demo.url}/docs)`,
      '',
      `  logins (password: ${demo.password})`,
      '    admin       系统管理员 (all districts)',
      '    commander   指挥中心 (all districts)',
      '    auditor     法制审核 (legal review, all districts)',
      ...districts.map((d, i) => `    officer${i + 1}    执法队员, ${d} only`),
      '',
      '  Cameras: demo-stall and demo-poster are labelled composites that raise alerts within about',
      '  a minute; demo-vtest is real street footage where people only walk by (no alert expected).',
      '  The stall walks the whole loop: warned, filed after its 15 s grace; officer1 confirms, auditor',
      `  approves on 法制审核 (signed notice); the simulated city platform (${demo.city.url}) then logs a`,
      '  curl line that reports 送达, 签收, 处罚决定, 缴纳, 结案 one call at a time (docs/cases.md).',
      `  Redis ${demo.redisUrl}, keys under ${demo.prefix}: (removed on exit). Ctrl-C stops everything.`,
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
    // One Ctrl-C stops everything within seconds; a second one (or the deadline) exits at once,
    // and the exit handlers still kill child processes and remove the temp media. A terminal's
    // Ctrl-C reaches the whole process group and `npm run` forwards it once more, so the same
    // keypress arrives twice within milliseconds: one handler for the whole run (between two
    // `once` handlers the second signal would meet Node's default action and skip the cleanup),
    // and only a signal more than a second after the first means "quit at once".
    let first = 0;
    await new Promise<void>((resolve) => {
      const onSignal = () => {
        if (first === 0) {
          first = Date.now();
          resolve();
        } else if (Date.now() - first > 1000) process.exit(130);
      };
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    });
    process.stdout.write('  stopping… (Ctrl-C again to quit at once)\n');
    const started = Date.now();
    const deadline = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), STOP_DEADLINE_MS).unref());
    const how = await Promise.race([demo.stop().then(() => 'stopped' as const), deadline]);
    process.stdout.write(`  ${how === 'stopped' ? 'stopped' : 'stop deadline passed; exiting'} after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    process.exit(0);
  },
};
export default command;
