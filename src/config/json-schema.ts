// Writes streams-config/camera.schema.json from the zod schema, for editor completion
// (yaml-language-server reads the `$schema` comment at the top of each YAML file).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { Camera } from './schema.ts';
import { PROJECT_ROOT } from '../inference/manifest.ts';

export function streamsJsonSchema(): object {
  const file = z.object({ cameras: z.array(Camera) });
  return { title: 'Huiyan streams-config file', ...z.toJSONSchema(file, { io: 'input' }) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = path.join(PROJECT_ROOT, 'streams-config/camera.schema.json');
  await writeFile(out, JSON.stringify(streamsJsonSchema(), null, 2) + '\n');
  console.log(`wrote ${out}`);
}
