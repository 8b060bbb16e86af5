// Plate reads over the frames of one vehicle track, voted: shared by the rules that name a
// vehicle (spillage's truck, a parked car).
import type { Box } from '../../inference/types.ts';
import type { BgrImage } from '../../ingest/types.ts';
import { area } from '../geometry.ts';
import { PlateVote } from '../reading/plate.ts';

/** Reads a vehicle's plate from its box (image pixels); PlateReader fits. */
export interface VehiclePlateReader {
  read(image: BgrImage, box: Box): Promise<{ plate: string; confidence: number; box?: Box } | undefined>;
}

/** Plate reads per track: at most 5, on frames where the vehicle looks 10 % bigger than at the last read or 2 s later. */
const MAX_PLATE_READS = 5;
const PLATE_READ_GROWTH = 1.1;
const PLATE_READ_EVERY_MS = 2_000;

/** The plate vote of one track and when it was last read. */
export class TrackPlate {
  readonly vote = new PlateVote();
  private readArea = 0;
  private readAt = 0;
  private attempts = 0;

  /**
   * Reads the plate on this sample when due (see MAX_PLATE_READS) and votes it in.
   * @param box the vehicle in source pixels; `scale` maps it to image pixels.
   */
  async sample(reader: VehiclePlateReader | undefined, now: number, image: BgrImage, scale: number, box: Box): Promise<void> {
    if (!reader || this.attempts >= MAX_PLATE_READS) return;
    if (area(box) < this.readArea * PLATE_READ_GROWTH && now - this.readAt < PLATE_READ_EVERY_MS) return;
    this.readArea = area(box);
    this.readAt = now;
    this.attempts++;
    const read = await reader.read(image, box.map((v) => v * scale) as Box);
    if (read) this.vote.add(read.plate, read.confidence, read.box ? { box: read.box.map((v) => v / scale) as Box, at: now } : undefined);
  }
}
