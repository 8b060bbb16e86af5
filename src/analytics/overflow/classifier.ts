// Backbone + trained head = the overflowing-bin classifier used by the overflow rule.
import path from 'node:path';
import type { BgrImage } from '../../ingest/types.ts';
import type { Box } from '../../inference/types.ts';
import { PROJECT_ROOT } from '../../inference/manifest.ts';
import type { OverflowScorer } from '../rules/overflow.ts';
import { Backbone } from './backbone.ts';
import { loadHead, predict, type HeadFileT } from './head.ts';

export const DEFAULT_HEAD = path.join(PROJECT_ROOT, 'models/overflow-head.json');

export class OverflowClassifier implements OverflowScorer {
  readonly id = 'overflow-head';
  private constructor(
    readonly backbone: Backbone,
    readonly head: HeadFileT,
  ) {}

  static async load(headFile = DEFAULT_HEAD, threads = 2): Promise<OverflowClassifier> {
    const head = await loadHead(headFile);
    const backbone = await Backbone.load({ modelId: head.backbone.modelId, tensors: head.backbone.tensors, threads });
    if (backbone.dims !== head.dims) throw new Error(`${headFile}: head expects ${head.dims} features, backbone gives ${backbone.dims}`);
    return new OverflowClassifier(backbone, head);
  }

  async score(image: BgrImage, box: Box): Promise<number> {
    return predict(this.head, await this.backbone.featuresOfCrop(image, box));
  }

  async scoreFile(file: string): Promise<number> {
    return predict(this.head, await this.backbone.featuresOfFile(file));
  }

  close(): Promise<void> {
    return this.backbone.close();
  }
}
