// Core feature (0001h; MMC-6 5.3.2). Pure. Functionality common to all drives: the physical
// interface and, from version 1 and 2 on, the DBE and INQ2 capability bits.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

/** PHYSICAL INTERFACE STANDARD values (MMC-6, Core feature). */
export const PhysicalInterfaceStandard = {
  UNSPECIFIED: 0x0000,
  SCSI_FAMILY: 0x0001,
  ATAPI: 0x0002,
  IEEE_1394_1995: 0x0003,
  IEEE_1394A: 0x0004,
  FIBRE_CHANNEL: 0x0005,
  IEEE_1394B: 0x0006,
  SERIAL_ATAPI: 0x0007,
  USB: 0x0008,
  VENDOR_UNIQUE: 0xffff,
} as const;

export interface CoreFeature {
  /** See PhysicalInterfaceStandard; a 32-bit value. */
  readonly physicalInterfaceStandard: number;
  /** INQUIRY validates EVPD, Page Code and the 16-bit Allocation Length (version 2). */
  readonly inq2: boolean;
  /** Device Busy events are supported (version 1). */
  readonly dbe: boolean;
}

/** Version written by coreFeatureDescriptor: the one that carries both INQ2 and DBE. */
export const CORE_FEATURE_VERSION = 2;

// byte 4..7  (data 0..3)  PHYSICAL INTERFACE STANDARD
// byte 8     (data 4)     bit 1 INQ2, bit 0 DBE
// byte 9..11 (data 5..7)  reserved
export function encodeCoreFeature(v: CoreFeature): Uint8Array {
  const w = new ByteWriter(8);
  w.u32(0, v.physicalInterfaceStandard, 'PHYSICAL INTERFACE STANDARD');
  w.flag(4, 1, v.inq2); // INQ2
  w.flag(4, 0, v.dbe); // DBE
  return w.bytes;
}

/** Accepts the 4-byte version 0 layout (INQ2 and DBE then read as false). */
export function decodeCoreFeature(data: Uint8Array): CoreFeature {
  const r = new ByteReader(data);
  r.need(0, 4, 'Core feature data');
  const flags = data.length > 4;
  return {
    physicalInterfaceStandard: r.u32(0),
    inq2: flags && r.bit(4, 1),
    dbe: flags && r.bit(4, 0),
  };
}

/** The whole descriptor; defaults: version 2, persistent, current (as MMC-6 requires). */
export function coreFeatureDescriptor(
  v: CoreFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.CORE, encodeCoreFeature(v), {
    version: CORE_FEATURE_VERSION,
    persistent: true,
    current: true,
    ...header,
  });
}
