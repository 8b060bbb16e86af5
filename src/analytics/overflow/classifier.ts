// Backbone + trained head = the overflowing-bin classifier used by the overflow rule.
import type { BgrImage } from '../../ingest/types.ts';
import type { Box } from '../../inference/types.ts';
import { resolveHead } from './manifest-head.ts';
import type { OverflowScorer } from '../rules/overflow.ts';
import { Backbone } from './backbone.ts';
import { loadHead, predict, type HeadFileT } from './head.ts';


export class OverflowClassifier implements OverflowScorer {
  readonly id = 'overflow-head';
  private constructor(
    readonly backbone: Backbone,
    readonly head: HeadFileT,
  ) {}

  /** The manifest's verified head by default; an explicit file (e.g. a fresh training run) as given. */
  static async load(headFile?: string, threads = 2): Promise<OverflowClassifier> {
    const head = await loadHead(headFile ?? (await resolveHead('overflow-head')));
    const backbone = await Backbone.load({ modelId: head.backbone.modelId, tensors: head.backbone.tensors, threads });
    if (backbone.dims !== head.dims) throw new Error(`${headFile ?? 'overflow-head'}: head expects ${head.dims} features, backbone gives ${backbone.dims}`);
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
