// Writes a camera's zones back into its streams-config YAML through the yaml Document API,
// so comments, key order and the other cameras stay as the engineer wrote them.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { isMap, isSeq, parseDocument } from 'yaml';
import { Camera, type ZoneT } from '../../config/schema.ts';

export class ZoneWriteError extends Error {}

export async function writeZones(file: string, cameraId: string, zones: ZoneT[]): Promise<void> {
  const text = await readFile(file, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ZoneWriteError(`${file} does not parse: ${doc.errors[0].message}`);
  const cams = doc.get('cameras', true);
  if (!isSeq(cams)) throw new ZoneWriteError(`${file} has no cameras list`);
  const cam = cams.items.find((item) => isMap(item) && item.get('id') === cameraId);
  if (!isMap(cam)) throw new ZoneWriteError(`camera ${cameraId} not found in ${file}`);

  // Only the fields a person edits in the zone editor are written; defaults stay implicit.
  const plain = zones.map((z) => stripDefaults(z));
  const node = doc.createNode(plain);
  // Polygons read best on one line each: [[x, y], ...].
  node.items.forEach((zn) => {
    const poly = isMap(zn) ? zn.get('polygon', true) : undefined;
    if (isSeq(poly)) poly.flow = true;
  });
  cam.set('zones', node);

  // Re-validate the edited camera before anything touches the disk.
  const check = Camera.safeParse(cam.toJSON());
  if (!check.success) throw new ZoneWriteError(check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));

  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, doc.toString({ lineWidth: 0 }));
  await rename(tmp, file);
}

function stripDefaults(z: ZoneT): Record<string, unknown> {
  const out: Record<string, unknown> = { ...z, polygon: z.polygon.map(([x, y]) => [round(x), round(y)]) };
  if (Array.isArray(z.schedule) && z.schedule.length === 0) delete out.schedule;
  return out;
}

const round = (v: number) => Math.round(v * 10000) / 10000;
