// The sample-camera RTSP server lives with the demo (src/app/sample-rtsp); tests use the same one.
export * from '../../src/app/sample-rtsp/server.ts';
