// Zone type → rule. Rules needing a model receive it through RuleDeps, so the engine can run
// the vending rule without loading the classifier or OCR.
import type { ZoneT } from '../../config/schema.ts';
import { AdsRule, type TextReader } from './ads.ts';
import { OverflowRule, type OverflowScorer } from './overflow.ts';
import { SpillageRule } from './spillage.ts';
import type { Rule } from './types.ts';
import { VendingRule } from './vending.ts';

export interface RuleDeps {
  overflow?: OverflowScorer;
  textReader?: TextReader;
}

export function createRule(zone: ZoneT, deps: RuleDeps): Rule {
  switch (zone.type) {
    case 'no-vending':
      return new VendingRule(zone);
    case 'bin-point':
      return new OverflowRule(zone, deps.overflow);
    case 'protected-surface':
      return new AdsRule(zone, deps.textReader);
    case 'road':
      return new SpillageRule(zone);
  }
}
