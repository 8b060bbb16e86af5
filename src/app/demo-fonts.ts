// The demo draws Chinese into its poster composite, annotated evidence and watermarks. Without a
// CJK font librsvg renders empty boxes, OCR reads no phone number and no ads alert is raised, so
// the demo checks for one first and keys its cached footage by the fonts it was drawn with.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../inference/manifest.ts';

export const CJK_FONT_HINT = 'apt-get install -y fonts-noto-cjk (or fonts-wqy-zenhei) on Debian/Ubuntu';

/** Files of the installed fonts that cover Chinese (`fc-list :lang=zh file`), sorted; [] when none or no fontconfig. */
export function cjkFontFiles(): string[] {
  try {
    const out = execFileSync('fc-list', [':lang=zh', 'file'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return [...new Set(out.split('\n').map((l) => l.replace(/:\s*$/, '').trim()).filter(Boolean))].sort();
  } catch {
    return [];
  }
}

/** Throws one line that says what to install when no CJK font is present. */
export function requireCjkFont(): void {
  if (cjkFontFiles().length === 0) {
    throw new Error(`no Chinese (CJK) font is installed, so posters, evidence labels and watermarks would render as empty boxes: ${CJK_FONT_HINT}`);
  }
}

/**
 * A 12-hex key of everything a rendered composite depends on: the fonts (path, size, mtime),
 * the code that draws the composites, and the render parameters. A change to any of them
 * names a new file, so stale footage (e.g. drawn before a font was installed) is never reused.
 */
export function footageKey(...params: Array<string | number>): string {
  const h = createHash('sha256');
  for (const f of cjkFontFiles()) {
    const s = statSync(f, { throwIfNoEntry: false });
    h.update(`${f}:${s?.size}:${s?.mtimeMs}\n`);
  }
  for (const src of ['tools/eval/cases.ts', 'tools/eval/poster.ts', 'tools/eval/paste.ts', 'tools/eval/footage.ts']) {
    try {
      h.update(readFileSync(path.join(PROJECT_ROOT, src)));
    } catch {
      h.update(`${src}: missing\n`);
    }
  }
  h.update(params.join('|'));
  return h.digest('hex').slice(0, 12);
}
