// Frozen backbone features + trained head = the overflowing-bin classifier used by the overflow rule.
import type { BgrImage } from '../../ingest/types.ts';
import type { Box } from '../../inference/types.ts';
import { loadManifest, resolveModel } from '../../inference/manifest.ts';
import { resolveHead } from './manifest-head.ts';
import type { OverflowScorer } from '../rules/overflow.ts';
import { OverflowFeatures } from './features.ts';
import { loadHead, predict, type HeadFileT } from './head.ts';

export class OverflowClassifier implements OverflowScorer {
  readonly id = 'overflow-head';
  private constructor(
    readonly features: OverflowFeatures,
    readonly head: HeadFileT,
  ) {}

  /**
   * The manifest's verified head by default; an explicit file (e.g. a fresh training run) as
   * given. Throws when a backbone file differs from the one the head was trained on, or when the
   * widths disagree.
   */
  static async load(headFile?: string, threads = 2): Promise<OverflowClassifier> {
    const file = headFile ?? (await resolveHead('overflow-head'));
    const head = await loadHead(file);
    const manifest = await loadManifest();
    for (const b of head.features.backbones) {
      const { entry } = await resolveModel(manifest, b.modelId);
      if (entry.sha256 !== b.sha256) throw new Error(`${file}: trained on ${b.modelId} with sha256 ${b.sha256}, the manifest has ${entry.sha256}; re-run npm run train:overflow`);
    }
    const features = await OverflowFeatures.load(head.features, threads);
    if (features.dims !== head.dims) {
      await features.close();
      throw new Error(`${file}: head expects ${head.dims} features, the backbones give ${features.dims}`);
    }
    return new OverflowClassifier(features, head);
  }

  /** Score (0..1, 0.5 = the head's operating point) of the region `box` of `image`; the whole image when absent. */
  async score(image: BgrImage, box?: Box): Promise<number> {
    return predict(this.head, await this.features.of(image, box));
  }

  close(): Promise<void> {
    return this.features.close();
  }
}
