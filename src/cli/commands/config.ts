// `huiyan config check [dir]`: validates every config file before a reload; exit 1 listing every issue.
import path from 'node:path';
import { UsageError, type Command } from '../command.ts';
import { checkConfig } from '../../config/check.ts';
import { formatIssue } from '../../config/load.ts';
import { PROJECT_ROOT } from '../../inference/manifest.ts';

const command: Command = {
  summary: 'check the config files strictly (cameras, GB28181, model manifest, codes)',
  usage: 'huiyan config check [streams-config dir] [--gb28181 file] [--manifest file] [--codes file]\n' +
    '  defaults: $HUIYAN_STREAMS_CONFIG or streams-config/, $HUIYAN_GB28181_CONFIG, $HUIYAN_MANIFEST, $HUIYAN_CODES',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'check') throw new UsageError(`unknown subcommand ${sub ?? '(none)'}`);
    const opts: Record<string, string> = {};
    const positional: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (a.startsWith('--')) {
        const v = rest[++i];
        if (!v || !['--gb28181', '--manifest', '--codes'].includes(a)) throw new UsageError(`bad option ${a}`);
        opts[a.slice(2)] = v;
      } else positional.push(a);
    }
    if (positional.length > 1) throw new UsageError('one streams-config folder at most');
    const env = process.env;
    const streamsDir = path.resolve(positional[0] ?? env.HUIYAN_STREAMS_CONFIG ?? path.join(PROJECT_ROOT, 'streams-config'));
    const r = await checkConfig({
      streamsDir,
      gb28181File: opts.gb28181 ?? env.HUIYAN_GB28181_CONFIG,
      manifestFile: opts.manifest ?? env.HUIYAN_MANIFEST,
      codesFile: opts.codes ?? env.HUIYAN_CODES,
    });
    for (const i of r.issues) process.stdout.write(formatIssue(i) + '\n');
    process.stdout.write(`${r.issues.length === 0 ? 'ok' : `${r.issues.length} issue(s)`}: ${r.cameras} camera(s); checked ${r.files.join(', ')}\n`);
    return r.issues.length === 0 ? 0 : 1;
  },
};
export default command;
