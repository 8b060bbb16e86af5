// What ingest hands to the rest of the pipeline: one sampled frame of one camera.

/** Packed 8-bit BGR pixels, row-major, no padding (what ffmpeg's `-pix_fmt bgr24` emits). */
export interface BgrImage {
  data: Buffer;
  width: number;
  height: number;
}

export interface Frame {
  cameraId: string;
  /** Wall-clock capture time in ms since the epoch (synchronised host clock). */
  capturedAt: number;
  /** Presentation timestamp in seconds from the stream, when known. */
  pts: number;
  /** Monotonic per-camera sample counter. */
  seq: number;
  /** Full-resolution size of the camera picture. */
  sourceWidth: number;
  sourceHeight: number;
  /** Picture scaled (aspect kept) to fit the detector input, for the hot path. */
  bgr: BgrImage;
  /** Full-resolution JPEG, kept in the ring buffer for evidence. */
  jpeg: Buffer;
}
