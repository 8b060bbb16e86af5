// The contracts floor: the types every stage speaks (frames, detections, hits and their
// per-rule attributes). Stages import these from here; nothing here imports a stage.
export * from './frame.ts';
export * from './detection.ts';
export * from './attributes.ts';
export * from './hit.ts';
export * from './ops.ts';
export * from './city.ts';
