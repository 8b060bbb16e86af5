// Turns ffmpeg's stderr into a short reason for health pages ("connection refused", …) and a
// tail for logs. Patterns are those ffmpeg 5.1 prints for RTSP, files and piped input.

const reasons: Array<[RegExp, string]> = [
  [/Connection refused/i, 'connection refused'],
  [/Connection timed out|timed out|Operation timed out/i, 'timeout'],
  [/401 Unauthorized/i, 'unauthorized (401)'],
  [/403 Forbidden/i, 'forbidden (403)'],
  [/404 Not Found/i, 'stream not found (404)'],
  [/method (DESCRIBE|SETUP|PLAY) failed: ?(.*)/i, 'rtsp $1 failed: $2'],
  [/No route to host/i, 'no route to host'],
  [/Network is unreachable/i, 'network unreachable'],
  [/Connection reset by peer/i, 'connection reset'],
  [/No such file or directory/i, 'no such file'],
  [/Invalid data found when processing input/i, 'invalid data'],
  [/Server returned 5\d\d/i, 'server error'],
  [/Immediate exit requested|Exiting normally, received signal/i, 'killed'],
];

/** Lines that carry no diagnosis (per-frame filter output, progress). */
export function isNoise(line: string): boolean {
  return line.startsWith('[showinfo@') || line.startsWith('frame=') || line.trim() === '';
}

/** The most specific reason found in the given lines, newest first. */
export function reasonFromStderr(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    for (const [re, text] of reasons) {
      const m = re.exec(line);
      if (m) return text.replace(/\$(\d)/g, (_, n: string) => (m[Number(n)] ?? '').trim()).trim();
    }
  }
  return undefined;
}

/** Splits a byte stream into lines, keeping the last `keep` meaningful ones. */
export class StderrTail {
  private partial = '';
  readonly lines: string[] = [];
  constructor(
    private readonly keep = 30,
    private readonly onLine?: (line: string) => void,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.line(line);
  }

  flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(line: string): void {
    this.onLine?.(line);
    if (isNoise(line)) return;
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
  }
}
