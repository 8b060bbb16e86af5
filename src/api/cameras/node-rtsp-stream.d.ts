// node-rtsp-stream's transcoder: spawns `ffmpeg -i <url> -f mpegts -codec:v mpeg1video <options> -`
// and emits its stdout as `mpeg1data`, its stderr as `ffmpegStderr`.
declare module 'node-rtsp-stream/mpeg1muxer.js' {
  import { EventEmitter } from 'node:events';
  interface Options {
    url: string;
    ffmpegPath: string;
    ffmpegOptions?: Record<string, string | number>;
  }
  class Mpeg1Muxer extends EventEmitter {
    constructor(options: Options);
    stream: import('node:child_process').ChildProcess;
    /** Emits 'ffmpegStderr' (Buffer) for every stderr chunk of the transcoder. */
    mpeg1Muxer: EventEmitter;
  }
  export = Mpeg1Muxer;
}
