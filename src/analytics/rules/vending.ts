// 占道经营: inside a no-vending zone, a stationary cluster of at least one person and one
// vendor object (umbrella, table, cart, goods… via the manifest's label map) that stays
// for longer than the dwell time, within the zone's hours. Passers-by never qualify:
// they are not stationary, and a person alone is not a stall.
import type { ZoneT } from '../../config/schema.ts';
import type { Box } from '../../inference/types.ts';
import { TRACKER } from '../../inference/registry.ts';
import { bottomCentre, expand, iou, overlapSmaller, pointInPolygon, union } from '../geometry.ts';
import { Tracker, type Track } from '../tracker.ts';
import type { Rule, RuleContext } from './types.ts';
import type { Finding } from '../dedup.ts';

type VendingZone = Extract<ZoneT, { type: 'no-vending' }>;

/** A place where a stall has been seen, kept across track id switches. */
interface Site {
  box: Box;
  since: number;
  lastSeen: number;
}

export const VENDING_LABELS = { person: 'person', object: 'vendor-object' } as const;

export class VendingRule implements Rule {
  readonly type = 'vending' as const;
  private sites: Site[] = [];
  /** Members must have stayed put this long before they can form a stall at all. */
  private readonly settleMs = 5_000;
  /** A site survives short gaps (occlusion, missed detections) of this length. */
  private readonly gapMs = 20_000;

  constructor(readonly zone: VendingZone) {}

  async evaluate(ctx: RuleContext): Promise<Finding[]> {
    const { now } = ctx;
    const members = ctx.tracks.filter(
      (t) =>
        (t.label === VENDING_LABELS.person || t.label === VENDING_LABELS.object) &&
        t.bestScore >= this.zone.minScore &&
        Tracker.stationaryFor(t, now) >= this.settleMs &&
        pointInPolygon(bottomCentre(t.confidentBox), ctx.polygon),
    );
    const clusters = cluster(members).filter((c) => c.some((t) => t.label === 'person') && c.some((t) => t.label === 'vendor-object'));

    const findings: Finding[] = [];
    for (const c of clusters) {
      const box = union(c.map((t) => t.box));
      const since = Math.max(
        Math.min(...c.filter((t) => t.label === 'person').map((t) => t.stationarySince)),
        Math.min(...c.filter((t) => t.label === 'vendor-object').map((t) => t.stationarySince)),
      );
      let site = this.sites.find((s) => iou(s.box, box) >= 0.3 || overlapSmaller(s.box, box) >= 0.6);
      if (!site) {
        site = { box, since, lastSeen: now };
        this.sites.push(site);
      }
      site.box = box;
      site.lastSeen = now;
      const dwellMs = this.zone.dwellSeconds * 1000;
      if (!ctx.enforced || now - site.since < dwellMs) continue;
      findings.push({
        rule: 'vending',
        zoneId: this.zone.id,
        box,
        since: site.since,
        score: c.reduce((s, t) => s + t.detection.score, 0) / c.length,
        detections: c.map((t) => t.detection),
        models: [TRACKER.id],
        thresholds: { dwellSeconds: this.zone.dwellSeconds, minScore: this.zone.minScore, jitterTolerance: this.zone.jitterTolerance },
        attributes: { trackIds: c.map((t) => t.id).sort((a, b) => a - b), persons: c.filter((t) => t.label === 'person').length, objects: c.filter((t) => t.label !== 'person').map((t) => t.detection.className).sort() },
      });
    }
    this.sites = this.sites.filter((s) => now - s.lastSeen <= this.gapMs);
    return findings;
  }
}

/** Groups tracks whose boxes, grown by half their size, touch (single linkage). */
function cluster(tracks: Track[]): Track[][] {
  const groups: Track[][] = [];
  const seen = new Set<Track>();
  for (const t of tracks) {
    if (seen.has(t)) continue;
    const g = [t];
    seen.add(t);
    for (let i = 0; i < g.length; i++) {
      for (const u of tracks) {
        if (!seen.has(u) && iou(expand(g[i]!.box, 0.5), expand(u.box, 0.5)) > 0) {
          seen.add(u);
          g.push(u);
        }
      }
    }
    groups.push(g);
  }
  return groups;
}
