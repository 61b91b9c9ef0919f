// MM Capabilities and Mechanical Status mode page, 2Ah (MMC-3; a legacy page that current drives
// still return, IMAPI2's LEGACY_CAPABILITIES). Pure codec: page bytes (header included) to fields
// and back. The page grew with each MMC revision and older drives send a shorter one, so every
// field after byte 7 is optional: present exactly when its bytes are.

import { MalformedDataError, invalidArgument } from '../../../errors.js';
import { ModePageType, newModePage, openModePage } from '../../spc/mode-pages.js';

/**
 * Loading Mechanism Type (byte 6, bits 7..5) uses the codes of the Removable Medium feature;
 * re-exported so that both name the one table.
 */
export { LoadingMechanismType } from '../features/removable-medium.js';

/** Rotation Control (byte 27 and the descriptors, bits 1..0 / 2..0). */
export const RotationControl = {
  CLV: 0,
  CAV: 1,
} as const;

/** A Logical Unit Write Speed Performance Descriptor (4 bytes, from byte 32 on). */
export interface WriteSpeedPerformanceDescriptor {
  /** Rotation Control, 0..7 (see RotationControl). */
  readonly rotationControl: number;
  /** Write Speed Supported, kB/s (1000 bytes per second). */
  readonly writeSpeedSupportedKBps: number;
}

export interface CapabilitiesAndMechanicalStatusPage {
  readonly ps: boolean;
  // byte 2: read capabilities
  readonly dvdRamRead: boolean;
  readonly dvdRRead: boolean;
  readonly dvdRomRead: boolean;
  /** Method 2: reads fixed-packet CD-R/RW written with addressing method 2. */
  readonly method2: boolean;
  readonly cdRwRead: boolean;
  readonly cdRRead: boolean;
  // byte 3: write capabilities
  readonly dvdRamWrite: boolean;
  readonly dvdRWrite: boolean;
  readonly testWrite: boolean;
  readonly cdRwWrite: boolean;
  readonly cdRWrite: boolean;
  // byte 4
  /** BUF: buffer underrun free recording supported (BUFE in the Write Parameters page). */
  readonly buf: boolean;
  readonly multiSession: boolean;
  readonly mode2Form2: boolean;
  readonly mode2Form1: boolean;
  readonly digitalPort2: boolean;
  readonly digitalPort1: boolean;
  readonly composite: boolean;
  readonly audioPlay: boolean;
  // byte 5
  readonly readBarCode: boolean;
  readonly upc: boolean;
  readonly isrc: boolean;
  readonly c2PointersSupported: boolean;
  readonly rwDeinterleavedAndCorrected: boolean;
  readonly rwSupported: boolean;
  readonly cdDaStreamIsAccurate: boolean;
  readonly cdDaCommandsSupported: boolean;
  // byte 6
  /** Loading Mechanism Type, 0..7 (see LoadingMechanismType; 1 = tray). */
  readonly loadingMechanismType: number;
  readonly eject: boolean;
  readonly preventJumper: boolean;
  readonly lockState: boolean;
  readonly lock: boolean;
  // byte 7
  readonly rwInLeadIn: boolean;
  readonly sideChangeCapable: boolean;
  /** S/W Slot Selection (SSS). */
  readonly swSlotSelection: boolean;
  readonly changerSupportsDiscPresent: boolean;
  readonly separateChannelMute: boolean;
  readonly separateVolumeLevels: boolean;
  // bytes 8.. (optional, by page length)
  /** Maximum Read Speed Supported, kB/s (bytes 8..9; obsolete from MMC-3). */
  readonly maxReadSpeedKBps?: number;
  /** Number of Volume Levels Supported (bytes 10..11). */
  readonly numberOfVolumeLevels?: number;
  /** Buffer Size Supported by Logical Unit, KB (bytes 12..13). */
  readonly bufferSizeKB?: number;
  /** Current Read Speed Selected, kB/s (bytes 14..15; obsolete from MMC-3). */
  readonly currentReadSpeedKBps?: number;
  /** Digital output Length (byte 17 bits 5..4): 0 = 32, 1 = 16, 2 = 24, 3 = 24 (I2S) BCKs. */
  readonly digitalOutputLength?: number;
  /** LSBF (byte 17 bit 3). */
  readonly lsbf?: boolean;
  /** RCK (byte 17 bit 2). */
  readonly rck?: boolean;
  /** BCKF (byte 17 bit 1). */
  readonly bckf?: boolean;
  /** Maximum Write Speed Supported, kB/s (bytes 18..19; obsolete from MMC-3). */
  readonly maxWriteSpeedKBps?: number;
  /** Current Write Speed Selected, kB/s, MMC-2 location (bytes 20..21; obsolete from MMC-3). */
  readonly currentWriteSpeedKBps?: number;
  /** Copy Management Revision Supported (bytes 22..23). */
  readonly copyManagementRevision?: number;
  /** Rotation Control Selected (byte 27 bits 1..0; see RotationControl). */
  readonly rotationControlSelected?: number;
  /** Current Write Speed Selected, kB/s, MMC-3 location (bytes 28..29). */
  readonly currentWriteSpeedSelectedKBps?: number;
  /**
   * The write speed performance descriptors present (bytes 32 on). Their count comes from bytes
   * 30..31, clamped to the descriptors the page holds; absent when the page ends before byte 32.
   */
  readonly writeSpeedPerformanceDescriptors?: readonly WriteSpeedPerformanceDescriptor[];
}

export type CapabilitiesAndMechanicalStatusPageInit = Partial<CapabilitiesAndMechanicalStatusPage>;

const MIN_END = 8;
const DESCRIPTORS_AT = 32;
const DESCRIPTOR_SIZE = 4;

export function decodeCapabilitiesAndMechanicalStatusPage(
  bytes: Uint8Array,
): CapabilitiesAndMechanicalStatusPage {
  const { r, ps, end } = openModePage(
    bytes,
    ModePageType.LEGACY_CAPABILITIES,
    'MM Capabilities and Mechanical Status',
  );
  if (end < MIN_END) {
    throw new MalformedDataError(`capabilities page of ${end} bytes is too short`);
  }
  /** The field at [at, at+size) if the page covers it. */
  const has = (at: number, size: number) => at + size <= end;
  let descriptors: WriteSpeedPerformanceDescriptor[] | undefined;
  if (has(DESCRIPTORS_AT, 0)) {
    const count = Math.min(r.u16(30), Math.floor((end - DESCRIPTORS_AT) / DESCRIPTOR_SIZE));
    descriptors = [];
    for (let i = 0; i < count; i++) {
      const at = DESCRIPTORS_AT + i * DESCRIPTOR_SIZE;
      descriptors.push({
        rotationControl: r.bits(at + 1, 0, 0x07),
        writeSpeedSupportedKBps: r.u16(at + 2),
      });
    }
  }
  return {
    ps,
    dvdRamRead: r.bit(2, 5),
    dvdRRead: r.bit(2, 4),
    dvdRomRead: r.bit(2, 3),
    method2: r.bit(2, 2),
    cdRwRead: r.bit(2, 1),
    cdRRead: r.bit(2, 0),
    dvdRamWrite: r.bit(3, 5),
    dvdRWrite: r.bit(3, 4),
    testWrite: r.bit(3, 2),
    cdRwWrite: r.bit(3, 1),
    cdRWrite: r.bit(3, 0),
    buf: r.bit(4, 7),
    multiSession: r.bit(4, 6),
    mode2Form2: r.bit(4, 5),
    mode2Form1: r.bit(4, 4),
    digitalPort2: r.bit(4, 3),
    digitalPort1: r.bit(4, 2),
    composite: r.bit(4, 1),
    audioPlay: r.bit(4, 0),
    readBarCode: r.bit(5, 7),
    upc: r.bit(5, 6),
    isrc: r.bit(5, 5),
    c2PointersSupported: r.bit(5, 4),
    rwDeinterleavedAndCorrected: r.bit(5, 3),
    rwSupported: r.bit(5, 2),
    cdDaStreamIsAccurate: r.bit(5, 1),
    cdDaCommandsSupported: r.bit(5, 0),
    loadingMechanismType: r.bits(6, 5, 0x07),
    eject: r.bit(6, 3),
    preventJumper: r.bit(6, 2),
    lockState: r.bit(6, 1),
    lock: r.bit(6, 0),
    rwInLeadIn: r.bit(7, 5),
    sideChangeCapable: r.bit(7, 4),
    swSlotSelection: r.bit(7, 3),
    changerSupportsDiscPresent: r.bit(7, 2),
    separateChannelMute: r.bit(7, 1),
    separateVolumeLevels: r.bit(7, 0),
    ...(has(8, 2) ? { maxReadSpeedKBps: r.u16(8) } : {}),
    ...(has(10, 2) ? { numberOfVolumeLevels: r.u16(10) } : {}),
    ...(has(12, 2) ? { bufferSizeKB: r.u16(12) } : {}),
    ...(has(14, 2) ? { currentReadSpeedKBps: r.u16(14) } : {}),
    ...(has(17, 1)
      ? {
          digitalOutputLength: r.bits(17, 4, 0x03),
          lsbf: r.bit(17, 3),
          rck: r.bit(17, 2),
          bckf: r.bit(17, 1),
        }
      : {}),
    ...(has(18, 2) ? { maxWriteSpeedKBps: r.u16(18) } : {}),
    ...(has(20, 2) ? { currentWriteSpeedKBps: r.u16(20) } : {}),
    ...(has(22, 2) ? { copyManagementRevision: r.u16(22) } : {}),
    ...(has(27, 1) ? { rotationControlSelected: r.bits(27, 0, 0x03) } : {}),
    ...(has(28, 2) ? { currentWriteSpeedSelectedKBps: r.u16(28) } : {}),
    ...(descriptors !== undefined ? { writeSpeedPerformanceDescriptors: descriptors } : {}),
  };
}

// byte 0        bit 7 PS, bit 6 Reserved, bits 5..0 PAGE CODE (2Ah)
// byte 1        PAGE LENGTH (up to the last field given)
// byte 2        bit 5 DVD-RAM Read, bit 4 DVD-R Read, bit 3 DVD-ROM Read, bit 2 Method 2,
//               bit 1 CD-RW Read, bit 0 CD-R Read
// byte 3        bit 5 DVD-RAM Write, bit 4 DVD-R Write, bit 2 Test Write, bit 1 CD-RW Write,
//               bit 0 CD-R Write
// byte 4        bit 7 BUF, bit 6 Multi Session, bit 5 Mode 2 Form 2, bit 4 Mode 2 Form 1,
//               bit 3 Digital Port (2), bit 2 Digital Port (1), bit 1 Composite, bit 0 Audio Play
// byte 5        bit 7 Read Bar Code, bit 6 UPC, bit 5 ISRC, bit 4 C2 Pointers Supported,
//               bit 3 R-W De-interleaved & Corrected, bit 2 R-W Supported,
//               bit 1 CD-DA Stream is Accurate, bit 0 CD-DA Commands Supported
// byte 6        bits 7..5 Loading Mechanism Type, bit 3 Eject, bit 2 Prevent Jumper,
//               bit 1 Lock State, bit 0 Lock
// byte 7        bit 5 R-W in Lead-in, bit 4 Side Change Capable, bit 3 S/W Slot Selection,
//               bit 2 Changer Supports Disc Present, bit 1 Separate Channel Mute,
//               bit 0 Separate Volume Levels
// bytes 8..9    Maximum Read Speed Supported (kB/s)
// bytes 10..11  Number of Volume Levels Supported
// bytes 12..13  Buffer Size Supported by Logical Unit (KB)
// bytes 14..15  Current Read Speed Selected (kB/s)
// byte 16       Reserved
// byte 17       bits 5..4 Length, bit 3 LSBF, bit 2 RCK, bit 1 BCKF
// bytes 18..19  Maximum Write Speed Supported (kB/s)
// bytes 20..21  Current Write Speed Selected (kB/s, MMC-2)
// bytes 22..23  Copy Management Revision Supported
// bytes 24..26  Reserved
// byte 27       bits 1..0 Rotation Control Selected
// bytes 28..29  Current Write Speed Selected (kB/s)
// bytes 30..31  Number of Logical Unit Write Speed Performance Descriptor Tables (n)
// bytes 32..    n descriptors: byte 0 Reserved, byte 1 bits 2..0 Rotation Control,
//               bytes 2..3 Write Speed Supported (kB/s)
/**
 * The page is as long as its last field given; optional fields before that one encode as 0, so
 * give a prefix of them (as a decoded page has) for a faithful round trip.
 */
export function encodeCapabilitiesAndMechanicalStatusPage(
  v: CapabilitiesAndMechanicalStatusPageInit,
): Uint8Array {
  const descriptors = v.writeSpeedPerformanceDescriptors;
  const ends: [boolean, number][] = [
    [descriptors !== undefined, DESCRIPTORS_AT + (descriptors?.length ?? 0) * DESCRIPTOR_SIZE],
    [v.currentWriteSpeedSelectedKBps !== undefined, 30],
    [v.rotationControlSelected !== undefined, 28],
    [v.copyManagementRevision !== undefined, 24],
    [v.currentWriteSpeedKBps !== undefined, 22],
    [v.maxWriteSpeedKBps !== undefined, 20],
    [
      v.digitalOutputLength !== undefined ||
        v.lsbf !== undefined ||
        v.rck !== undefined ||
        v.bckf !== undefined,
      18,
    ],
    [v.currentReadSpeedKBps !== undefined, 16],
    [v.bufferSizeKB !== undefined, 14],
    [v.numberOfVolumeLevels !== undefined, 12],
    [v.maxReadSpeedKBps !== undefined, 10],
  ];
  const end = ends.find(([given]) => given)?.[1] ?? MIN_END;
  if (end - 2 > 0xff) throw invalidArgument('too many write speed performance descriptors');
  const w = newModePage(ModePageType.LEGACY_CAPABILITIES, end - 2, v.ps);
  w.flag(2, 5, v.dvdRamRead); // DVD-RAM Read
  w.flag(2, 4, v.dvdRRead); // DVD-R Read
  w.flag(2, 3, v.dvdRomRead); // DVD-ROM Read
  w.flag(2, 2, v.method2); // Method 2
  w.flag(2, 1, v.cdRwRead); // CD-RW Read
  w.flag(2, 0, v.cdRRead); // CD-R Read
  w.flag(3, 5, v.dvdRamWrite); // DVD-RAM Write
  w.flag(3, 4, v.dvdRWrite); // DVD-R Write
  w.flag(3, 2, v.testWrite); // Test Write
  w.flag(3, 1, v.cdRwWrite); // CD-RW Write
  w.flag(3, 0, v.cdRWrite); // CD-R Write
  w.flag(4, 7, v.buf); // BUF
  w.flag(4, 6, v.multiSession); // Multi Session
  w.flag(4, 5, v.mode2Form2); // Mode 2 Form 2
  w.flag(4, 4, v.mode2Form1); // Mode 2 Form 1
  w.flag(4, 3, v.digitalPort2); // Digital Port (2)
  w.flag(4, 2, v.digitalPort1); // Digital Port (1)
  w.flag(4, 1, v.composite); // Composite
  w.flag(4, 0, v.audioPlay); // Audio Play
  w.flag(5, 7, v.readBarCode); // Read Bar Code
  w.flag(5, 6, v.upc); // UPC
  w.flag(5, 5, v.isrc); // ISRC
  w.flag(5, 4, v.c2PointersSupported); // C2 Pointers Supported
  w.flag(5, 3, v.rwDeinterleavedAndCorrected); // R-W De-interleaved & Corrected
  w.flag(5, 2, v.rwSupported); // R-W Supported
  w.flag(5, 1, v.cdDaStreamIsAccurate); // CD-DA Stream is Accurate
  w.flag(5, 0, v.cdDaCommandsSupported); // CD-DA Commands Supported
  w.bits(6, 5, 0x07, v.loadingMechanismType ?? 0, 'Loading Mechanism Type');
  w.flag(6, 3, v.eject); // Eject
  w.flag(6, 2, v.preventJumper); // Prevent Jumper
  w.flag(6, 1, v.lockState); // Lock State
  w.flag(6, 0, v.lock); // Lock
  w.flag(7, 5, v.rwInLeadIn); // R-W in Lead-in
  w.flag(7, 4, v.sideChangeCapable); // Side Change Capable
  w.flag(7, 3, v.swSlotSelection); // S/W Slot Selection
  w.flag(7, 2, v.changerSupportsDiscPresent); // Changer Supports Disc Present
  w.flag(7, 1, v.separateChannelMute); // Separate Channel Mute
  w.flag(7, 0, v.separateVolumeLevels); // Separate Volume Levels
  if (end >= 10) w.u16(8, v.maxReadSpeedKBps ?? 0, 'Maximum Read Speed Supported');
  if (end >= 12) w.u16(10, v.numberOfVolumeLevels ?? 0, 'Number of Volume Levels Supported');
  if (end >= 14) w.u16(12, v.bufferSizeKB ?? 0, 'Buffer Size Supported');
  if (end >= 16) w.u16(14, v.currentReadSpeedKBps ?? 0, 'Current Read Speed Selected');
  if (end >= 18) {
    w.bits(17, 4, 0x03, v.digitalOutputLength ?? 0, 'Length');
    w.flag(17, 3, v.lsbf); // LSBF
    w.flag(17, 2, v.rck); // RCK
    w.flag(17, 1, v.bckf); // BCKF
  }
  if (end >= 20) w.u16(18, v.maxWriteSpeedKBps ?? 0, 'Maximum Write Speed Supported');
  if (end >= 22) w.u16(20, v.currentWriteSpeedKBps ?? 0, 'Current Write Speed Selected');
  if (end >= 24) w.u16(22, v.copyManagementRevision ?? 0, 'Copy Management Revision');
  if (end >= 28) w.bits(27, 0, 0x03, v.rotationControlSelected ?? 0, 'Rotation Control Selected');
  if (end >= 30) w.u16(28, v.currentWriteSpeedSelectedKBps ?? 0, 'Current Write Speed Selected');
  if (end >= DESCRIPTORS_AT) {
    w.u16(30, descriptors?.length ?? 0, 'Number of Write Speed Performance Descriptors');
    descriptors?.forEach((d, i) => {
      const at = DESCRIPTORS_AT + i * DESCRIPTOR_SIZE;
      w.bits(at + 1, 0, 0x07, d.rotationControl, 'Rotation Control');
      w.u16(at + 2, d.writeSpeedSupportedKBps, 'Write Speed Supported');
    });
  }
  return w.bytes;
}
