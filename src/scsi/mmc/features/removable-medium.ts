// Removable Medium feature (0003h; MMC-6 5.3.4). Pure. How the medium is loaded and whether the
// drive can load, eject and lock it. The recorder's deviceCanLoadMedia and closeTray use it
// (spec §4.2).

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

/** LOADING MECHANISM TYPE values (3 bits). */
export const LoadingMechanismType = {
  CADDY_SLOT: 0b000,
  TRAY: 0b001,
  POP_UP: 0b010,
  EMBEDDED_CHANGER_INDIVIDUAL: 0b100,
  EMBEDDED_CHANGER_MAGAZINE: 0b101,
} as const;

export interface RemovableMediumFeature {
  /** See LoadingMechanismType, 0..7. */
  readonly loadingMechanismType: number;
  /** START STOP UNIT with LoEj can load the medium (version 2). */
  readonly load: boolean;
  /** START STOP UNIT with LoEj can eject the medium. */
  readonly eject: boolean;
  /** Set when the prevent jumper is NOT present. */
  readonly pvntJmpr: boolean;
  /** Drive bay media lock (version 2). */
  readonly dbml: boolean;
  /** PREVENT ALLOW MEDIUM REMOVAL can lock the medium in. */
  readonly lock: boolean;
}

/** Version written by removableMediumFeatureDescriptor: the one that carries Load and DBML. */
export const REMOVABLE_MEDIUM_FEATURE_VERSION = 2;

// byte 4     (data 0)     bits 7..5 LOADING MECHANISM TYPE, bit 4 Load, bit 3 Eject,
//                         bit 2 Pvnt Jmpr, bit 1 DBML, bit 0 Lock
// byte 5..7  (data 1..3)  reserved
export function encodeRemovableMediumFeature(v: RemovableMediumFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.bits(0, 5, 0x07, v.loadingMechanismType, 'LOADING MECHANISM TYPE');
  w.flag(0, 4, v.load); // Load
  w.flag(0, 3, v.eject); // Eject
  w.flag(0, 2, v.pvntJmpr); // Pvnt Jmpr
  w.flag(0, 1, v.dbml); // DBML
  w.flag(0, 0, v.lock); // Lock
  return w.bytes;
}

export function decodeRemovableMediumFeature(data: Uint8Array): RemovableMediumFeature {
  const r = new ByteReader(data);
  r.need(0, 4, 'Removable Medium feature data');
  return {
    loadingMechanismType: r.bits(0, 5, 0x07),
    load: r.bit(0, 4),
    eject: r.bit(0, 3),
    pvntJmpr: r.bit(0, 2),
    dbml: r.bit(0, 1),
    lock: r.bit(0, 0),
  };
}

/** The whole descriptor; defaults: version 2, persistent, current. */
export function removableMediumFeatureDescriptor(
  v: RemovableMediumFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.REMOVABLE_MEDIUM, encodeRemovableMediumFeature(v), {
    version: REMOVABLE_MEDIUM_FEATURE_VERSION,
    persistent: true,
    current: true,
    ...header,
  });
}
