// Zone type → rule. Rules needing a model receive it through RuleDeps, so the engine can run
// the vending rule without loading the classifier or OCR.
import type { ZoneT } from '../../config/schema.ts';
import { AdsRule, type TextReader } from './ads.ts';
import { BicyclesRule } from './bicycles.ts';
import { MaterialsRule } from './materials.ts';
import { OverflowRule, type OverflowScorer } from './overflow.ts';
import { CrowdingRule } from './crowding.ts';
import { OutsideShopRule } from './outside-shop.ts';
import { ParkingRule } from './parking.ts';
import type { VehiclePlateReader } from './plate-sampler.ts';
import { SpillageRule } from './spillage.ts';
import type { Rule } from './types.ts';
import { VendingRule } from './vending.ts';

export interface RuleDeps {
  overflow?: OverflowScorer;
  textReader?: TextReader;
  /** Reads the plates of trucks in road zones and of vehicles in no-parking zones (PlateReader from analytics/reading). */
  plateReader?: VehiclePlateReader;
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
      return new SpillageRule(zone, deps.plateReader);
    case 'no-parking':
      return new ParkingRule(zone, deps.plateReader);
    case 'crowd':
      return new CrowdingRule(zone);
    case 'no-bicycle-parking':
      return new BicyclesRule(zone);
    case 'no-piling':
      return new MaterialsRule(zone);
    case 'shop-frontage':
      return new OutsideShopRule(zone);
  }
}
