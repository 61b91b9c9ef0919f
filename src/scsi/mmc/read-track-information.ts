// READ TRACK INFORMATION (MMC-6 6.27). Pure codec: the CDB and the Track Information Block, no
// I/O. The next writable address (NWA) and the free blocks of the track being written come from
// here. The block grew over the MMC generations (28 bytes in MMC-1, 36 in MMC-2, 40 in MMC-3, 48
// since MMC-5 with the layer jump addresses); the decoder takes what the length field and the
// bytes present allow, and leaves later fields out.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/**
 * Address/Number Type (CDB byte 1 bits 1..0), spec §5 ReadTrackAddressType
 * (IMAPI_READ_TRACK_ADDRESS_TYPE).
 */
export const ReadTrackAddressType = {
  /** The track that contains the LBA. */
  LBA: 0,
  /** A track number; works on nearly every drive. */
  TRACK: 1,
  /** The first track of a session number; optional in drives. */
  SESSION: 2,
} as const;
export type ReadTrackAddressType = (typeof ReadTrackAddressType)[keyof typeof ReadTrackAddressType];

/** Track number 0 asks for the lead-in on CD; FFh for the invisible (incomplete) track. */
export const INVISIBLE_TRACK_NUMBER = 0xff;

/** Length of the MMC-5/MMC-6 block (Data Length 2Eh). A sensible allocation length. */
export const TRACK_INFORMATION_LENGTH = 48;
/** The shortest block a drive may return: up to Logical Track Size (MMC-1). */
const MIN_TRACK_INFORMATION_LENGTH = 28;

export interface ReadTrackInformationCdb {
  /** Open: report the open (incomplete) track of the given session or track. */
  readonly open: boolean;
  /** Address/Number Type, 0..3 (ReadTrackAddressType). */
  readonly addressNumberType: number;
  /**
   * LOGICAL BLOCK ADDRESS/TRACK/SESSION NUMBER: a signed LBA when addressNumberType is LBA,
   * otherwise an unsigned track or session number.
   */
  readonly address: number;
  /** Allocation Length, 0..65535. */
  readonly allocationLength: number;
}

export type ReadTrackInformationOptions = Pick<
  ReadTrackInformationCdb,
  'addressNumberType' | 'address'
> &
  Partial<Omit<ReadTrackInformationCdb, 'addressNumberType' | 'address'>>;

// byte 0      OPERATION CODE (52h)
// byte 1      bit 2 Open, bits 1..0 Address/Number Type
// bytes 2..5  Logical Block Address/Track/Session Number
// byte 6      Reserved
// bytes 7..8  Allocation Length
// byte 9      CONTROL
export function encodeReadTrackInformationCdb(o: ReadTrackInformationOptions): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.READ_TRACK_INFORMATION);
  w.flag(1, 2, o.open); // Open
  w.bits(1, 0, 0x03, o.addressNumberType, 'Address/Number Type');
  if (o.addressNumberType === ReadTrackAddressType.LBA) {
    w.i32(2, o.address, 'Logical Block Address');
  } else {
    w.u32(2, o.address, 'Track/Session Number');
  }
  w.u16(7, o.allocationLength ?? TRACK_INFORMATION_LENGTH, 'Allocation Length');
  return w.bytes;
}

export function decodeReadTrackInformationCdb(cdb: Uint8Array): ReadTrackInformationCdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'READ TRACK INFORMATION CDB');
  if (r.u8(0) !== Opcode.READ_TRACK_INFORMATION) {
    throw new MalformedDataError('not a READ TRACK INFORMATION CDB');
  }
  const addressNumberType = r.bits(1, 0, 0x03);
  return {
    open: r.bit(1, 2),
    addressNumberType,
    address: addressNumberType === ReadTrackAddressType.LBA ? r.i32(2) : r.u32(2),
    allocationLength: r.u16(7),
  };
}

/** READ TRACK INFORMATION, e.g. `{ addressNumberType: ReadTrackAddressType.TRACK, address: 1 }`. */
export function readTrackInformation(o: ReadTrackInformationOptions): ScsiCommand {
  return scsiCommand('READ TRACK INFORMATION', encodeReadTrackInformationCdb(o), 'in', {
    allocationLength: o.allocationLength ?? TRACK_INFORMATION_LENGTH,
  });
}

/** Track Information Block. Optional fields are absent when the drive's block ends before them. */
export interface TrackInformation {
  /** Logical Track Number (LSB byte 2, plus MSB byte 32 when present). */
  readonly logicalTrackNumber: number;
  /** Session Number (LSB byte 3, plus MSB byte 33 when present). */
  readonly sessionNumber: number;
  /** LJRS: Layer Jump Recording Status (DVD-R DL), 0..3. */
  readonly ljrs: number;
  readonly damage: boolean;
  readonly copy: boolean;
  /** Track Mode, 0..15 (the CONTROL nibble of the track on CD). */
  readonly trackMode: number;
  /** RT: reserved track. */
  readonly rt: boolean;
  readonly blank: boolean;
  /** Packet/Inc: packet (CD) or incremental (DVD) recording. */
  readonly packetInc: boolean;
  /** FP: fixed packet. */
  readonly fp: boolean;
  /** Data Mode, 0..15 (1 = Mode 1, 2 = Mode 2, Fh = no data written yet). */
  readonly dataMode: number;
  /** LRA_V: lastRecordedAddress is valid. */
  readonly lraV: boolean;
  /** NWA_V: nextWritableAddress is valid. */
  readonly nwaV: boolean;
  /** Logical Track Start Address (signed: CD tracks can start in the pre-gap). */
  readonly logicalTrackStartAddress: number;
  /** Next Writable Address; meaningful only when nwaV. */
  readonly nextWritableAddress: number;
  readonly freeBlocks: number;
  /** Fixed Packet Size / Blocking Factor, in blocks. */
  readonly fixedPacketSizeBlockingFactor: number;
  /** Logical Track Size, in blocks. */
  readonly logicalTrackSize: number;
  /** Last Recorded Address (bytes 28..31, MMC-2 and later); meaningful only when lraV. */
  readonly lastRecordedAddress?: number;
  /** Read Compatibility LBA (bytes 36..39, MMC-3 and later). */
  readonly readCompatibilityLba?: number;
  /** Next Layer Jump Address (bytes 40..43, MMC-5 and later). */
  readonly nextLayerJumpAddress?: number;
  /** Last Layer Jump Address (bytes 44..47, MMC-5 and later). */
  readonly lastLayerJumpAddress?: number;
}

/** Total bytes of the track information the drive has (2 + Data Length). */
export function readTrackInformationDataLength(bytes: Uint8Array): number {
  return 2 + new ByteReader(bytes).u16(0);
}

export function decodeReadTrackInformationData(bytes: Uint8Array): TrackInformation {
  const r = new ByteReader(bytes);
  // Several drives (tgt among them) pad to the allocation length: trust the length field, but
  // never read past the bytes actually present.
  const end = Math.min(2 + r.u16(0), bytes.length);
  if (end < MIN_TRACK_INFORMATION_LENGTH) {
    throw new MalformedDataError(
      `track information has ${end} bytes, fewer than the ${MIN_TRACK_INFORMATION_LENGTH} of the shortest block`,
    );
  }
  const has = (at: number, n: number) => at + n <= end;
  const msbTrack = has(32, 1) ? r.u8(32) << 8 : 0;
  const msbSession = has(33, 1) ? r.u8(33) << 8 : 0;
  return {
    logicalTrackNumber: msbTrack | r.u8(2),
    sessionNumber: msbSession | r.u8(3),
    ljrs: r.bits(5, 6, 0x03),
    damage: r.bit(5, 5),
    copy: r.bit(5, 4),
    trackMode: r.bits(5, 0, 0x0f),
    rt: r.bit(6, 7),
    blank: r.bit(6, 6),
    packetInc: r.bit(6, 5),
    fp: r.bit(6, 4),
    dataMode: r.bits(6, 0, 0x0f),
    lraV: r.bit(7, 1),
    nwaV: r.bit(7, 0),
    logicalTrackStartAddress: r.i32(8),
    nextWritableAddress: r.i32(12),
    freeBlocks: r.u32(16),
    fixedPacketSizeBlockingFactor: r.u32(20),
    logicalTrackSize: r.u32(24),
    ...(has(28, 4) ? { lastRecordedAddress: r.i32(28) } : {}),
    ...(has(36, 4) ? { readCompatibilityLba: r.i32(36) } : {}),
    ...(has(40, 4) ? { nextLayerJumpAddress: r.i32(40) } : {}),
    ...(has(44, 4) ? { lastLayerJumpAddress: r.i32(44) } : {}),
  };
}

// bytes 0..1   Data Length (bytes that follow)
// byte 2       Logical Track Number (LSB)
// byte 3       Session Number (LSB)
// byte 4       Reserved
// byte 5       bits 7..6 LJRS, bit 5 Damage, bit 4 Copy, bits 3..0 Track Mode
// byte 6       bit 7 RT, bit 6 Blank, bit 5 Packet/Inc, bit 4 FP, bits 3..0 Data Mode
// byte 7       bit 1 LRA_V, bit 0 NWA_V
// bytes 8..11  Logical Track Start Address
// bytes 12..15 Next Writable Address
// bytes 16..19 Free Blocks
// bytes 20..23 Fixed Packet Size/Blocking Factor
// bytes 24..27 Logical Track Size
// bytes 28..31 Last Recorded Address
// byte 32      Logical Track Number (MSB)
// byte 33      Session Number (MSB)
// bytes 34..35 Reserved
// bytes 36..39 Read Compatibility LBA
// bytes 40..43 Next Layer Jump Address
// bytes 44..47 Last Layer Jump Address
//
// The block ends after the last optional field given: 28, 36, 40 or 48 bytes. An optional field
// left out before a later one is written as 0.
export function encodeReadTrackInformationData(t: TrackInformation): Uint8Array {
  let length = MIN_TRACK_INFORMATION_LENGTH;
  if (t.lastRecordedAddress !== undefined) length = 36;
  if (t.readCompatibilityLba !== undefined) length = 40;
  if (t.nextLayerJumpAddress !== undefined || t.lastLayerJumpAddress !== undefined) length = 48;
  const w = new ByteWriter(length);
  w.u16(0, length - 2, 'Data Length');
  const split = (at: number, atMsb: number, v: number, what: string) => {
    const max = length >= 34 ? 0xffff : 0xff;
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw invalidArgument(`${what} must be an integer in 0..${max} here, got ${String(v)}`);
    }
    w.u8(at, v & 0xff, what);
    if (length >= 34) w.u8(atMsb, v >>> 8, what);
  };
  split(2, 32, t.logicalTrackNumber, 'Logical Track Number');
  split(3, 33, t.sessionNumber, 'Session Number');
  w.bits(5, 6, 0x03, t.ljrs, 'LJRS');
  w.flag(5, 5, t.damage); // Damage
  w.flag(5, 4, t.copy); // Copy
  w.bits(5, 0, 0x0f, t.trackMode, 'Track Mode');
  w.flag(6, 7, t.rt); // RT
  w.flag(6, 6, t.blank); // Blank
  w.flag(6, 5, t.packetInc); // Packet/Inc
  w.flag(6, 4, t.fp); // FP
  w.bits(6, 0, 0x0f, t.dataMode, 'Data Mode');
  w.flag(7, 1, t.lraV); // LRA_V
  w.flag(7, 0, t.nwaV); // NWA_V
  w.i32(8, t.logicalTrackStartAddress, 'Logical Track Start Address');
  w.i32(12, t.nextWritableAddress, 'Next Writable Address');
  w.u32(16, t.freeBlocks, 'Free Blocks');
  w.u32(20, t.fixedPacketSizeBlockingFactor, 'Fixed Packet Size/Blocking Factor');
  w.u32(24, t.logicalTrackSize, 'Logical Track Size');
  if (length >= 36) w.i32(28, t.lastRecordedAddress ?? 0, 'Last Recorded Address');
  if (length >= 40) w.i32(36, t.readCompatibilityLba ?? 0, 'Read Compatibility LBA');
  if (length >= 48) {
    w.i32(40, t.nextLayerJumpAddress ?? 0, 'Next Layer Jump Address');
    w.i32(44, t.lastLayerJumpAddress ?? 0, 'Last Layer Jump Address');
  }
  return w.bytes;
}
