// `huiyan demo`: the whole system on sample footage with the embedded defaults.
import { UsageError, untilSignal, type Command } from '../command.ts';
import { startDemo } from '../../app/demo.ts';

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
    const demo = await startDemo(opts);
    const districts = [...new Set(demo.app.cameras.cameras().map((c) => c.location.district))].sort();
    const lines = [
      '',
      `  慧眼 Huiyan demo is running: ${demo.url}   (API docs: ${demo.url}/docs)`,
      '',
      `  logins (password: ${demo.password})`,
      '    admin       系统管理员 (all districts)',
      '    commander   指挥中心 (all districts)',
      '    auditor     法制审核 (read-only, all districts)',
      ...districts.map((d, i) => `    officer${i + 1}    执法队员, ${d} only`),
      '',
      '  Cameras: demo-stall and demo-poster are labelled composites that raise alerts within about',
      '  a minute; demo-vtest is real street footage where people only walk by (no alert expected).',
      '  Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
    await untilSignal();
    await demo.stop();
    return 0;
  },
};
export default command;
