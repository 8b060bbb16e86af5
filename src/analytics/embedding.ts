// Appearance embedding of a hit region: pooled YOLOX-nano backbone features (the tensors the
// round-1/2 overflow head used), L2-normalised.
import type { BgrImage } from '../ingest/types.ts';
import type { Box } from '../inference/types.ts';
import type { Embedder } from './engine.ts';
import { Backbone } from './overflow/backbone.ts';

export class BackboneEmbedder implements Embedder {
  constructor(readonly backbone: Backbone) {}

  static async load(threads = 2): Promise<BackboneEmbedder> {
    return new BackboneEmbedder(await Backbone.load({ threads }));
  }

  async embed(image: BgrImage, box: Box): Promise<number[]> {
    const f = await this.backbone.featuresOfCrop(image, box);
    let n = 0;
    for (const v of f) n += v * v;
    n = Math.sqrt(n) || 1;
    return Array.from(f, (v) => Math.round((v / n) * 1e5) / 1e5);
  }

  close(): Promise<void> {
    return this.backbone.close();
  }
}
