declare module 'node-rtsp-stream' {
  import { EventEmitter } from 'node:events';
  interface Options {
    name: string;
    streamUrl: string;
    wsPort: number;
    width?: number;
    height?: number;
    ffmpegPath?: string;
    ffmpegOptions?: Record<string, string | number>;
  }
  class VideoStream extends EventEmitter {
    constructor(options: Options);
    stop(): this;
    wsServer: { clients: Set<unknown>; close(): void };
    stream: import('node:child_process').ChildProcess;
  }
  // The package's main export is the VideoStream constructor itself.
  export = VideoStream;
}
