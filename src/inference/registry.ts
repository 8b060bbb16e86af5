// The one registry of everything that can contribute to a hit: detectors and recognisers
// (models/manifest.json `models`), trained heads (`heads`), and the algorithms of this code
// base that decide on their own (the tracker, the road background model). Evidence records
// each contributor of a hit with the identity pinned here, so a bundle names exactly what
// produced it: files by sha256, algorithms by version.
import type { ManifestT } from './manifest.ts';

export type ContributorKind = 'model' | 'head' | 'algorithm';

/** What the evidence manifest records about one contributor. */
export interface ModelRef {
  id: string;
  /** Absent in bundles sealed before the registry existed. */
  kind?: ContributorKind;
  /** sha256 of the weights file, for models and heads. */
  sha256?: string;
  /** Algorithms: bumped whenever their decisions change. */
  version?: string;
}

export interface Algorithm {
  id: string;
  version: string;
  /** Where it lives, for a reviewer. */
  source: string;
}

/** ByteTrack-style tracker (src/analytics/tracker.ts): every track-based rule depends on it. */
export const TRACKER: Algorithm = { id: 'tracker', version: '1', source: 'src/analytics/tracker.ts' };
/** Road-surface background model (src/analytics/background.ts): spillage debris. */
export const BACKGROUND_MODEL: Algorithm = { id: 'background-model', version: '1', source: 'src/analytics/background.ts' };

export const ALGORITHMS: readonly Algorithm[] = [TRACKER, BACKGROUND_MODEL];

export class UnknownContributorError extends Error {
  constructor(readonly id: string, known: string[]) {
    super(`"${id}" is neither a model, a head nor an algorithm in the model registry (known: ${known.join(', ')})`);
    this.name = 'UnknownContributorError';
  }
}

export class ModelRegistry {
  private readonly byId = new Map<string, { ref: ModelRef; dependsOn: string[] }>();

  constructor(manifest: ManifestT, algorithms: readonly Algorithm[] = ALGORITHMS) {
    for (const m of manifest.models) this.byId.set(m.id, { ref: { id: m.id, kind: 'model', sha256: m.sha256 }, dependsOn: [] });
    // A head's output is only as good as the backbone features it reads.
    for (const h of manifest.heads) this.byId.set(h.id, { ref: { id: h.id, kind: 'head', sha256: h.sha256 }, dependsOn: h.backbones });
    for (const a of algorithms) this.byId.set(a.id, { ref: { id: a.id, kind: 'algorithm', version: a.version }, dependsOn: [] });
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /**
   * The refs of the given contributors and of what they depend on (a head's backbones), sorted
   * by id, each once. Throws UnknownContributorError for an id the registry lacks.
   */
  refs(ids: Iterable<string>): ModelRef[] {
    const out = new Map<string, ModelRef>();
    const visit = (id: string): void => {
      if (out.has(id)) return;
      const e = this.byId.get(id);
      if (!e) throw new UnknownContributorError(id, [...this.byId.keys()]);
      out.set(id, e.ref);
      e.dependsOn.forEach(visit);
    };
    for (const id of ids) visit(id);
    return [...out.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
}
