// MECHANISM STATUS (MMC-6 6.11). Pure codec: CDB and response data, no I/O. A drive without a
// changer answers the 8-byte header alone: mechanism state, door open, no slots.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** Header length; slot tables (4 bytes each) follow for changers. */
export const MECHANISM_STATUS_HEADER_LENGTH = 8;

/** Mechanism State (byte 1 bits 7..5). */
export const MechanismState = {
  IDLE: 0b000,
  PLAYING: 0b001,
  SCANNING: 0b010,
  ACTIVE: 0b011,
  NO_STATE: 0b111,
} as const;

export interface MechanismStatusCdb {
  readonly allocationLength: number;
}

// byte 0      OPERATION CODE (BDh)
// bytes 1..7  reserved
// bytes 8..9  ALLOCATION LENGTH
// byte 10     reserved
// byte 11     CONTROL
export function encodeMechanismStatusCdb(o: Partial<MechanismStatusCdb> = {}): Uint8Array {
  const w = new ByteWriter(12);
  w.u8(0, Opcode.MECHANISM_STATUS);
  w.u16(8, o.allocationLength ?? MECHANISM_STATUS_HEADER_LENGTH, 'ALLOCATION LENGTH');
  return w.bytes;
}

export function decodeMechanismStatusCdb(cdb: Uint8Array): MechanismStatusCdb {
  const r = new ByteReader(cdb);
  r.need(0, 12, 'MECHANISM STATUS CDB');
  if (r.u8(0) !== Opcode.MECHANISM_STATUS) {
    throw new MalformedDataError('not a MECHANISM STATUS CDB');
  }
  return { allocationLength: r.u16(8) };
}

export function mechanismStatus(o: Partial<MechanismStatusCdb> = {}): ScsiCommand {
  return scsiCommand('MECHANISM STATUS', encodeMechanismStatusCdb(o), 'in', {
    allocationLength: o.allocationLength ?? MECHANISM_STATUS_HEADER_LENGTH,
  });
}

export interface MechanismStatus {
  readonly fault: boolean;
  /** Changer State (2 bits): 0 ready. */
  readonly changerState: number;
  /** Current Slot (8 bits over two fields). */
  readonly currentSlot: number;
  readonly mechanismState: number;
  readonly doorOpen: boolean;
  /** Current LBA (obsolete; 24 bits). */
  readonly currentLba: number;
  readonly numberOfSlotsAvailable: number;
  /** Length of Slot Tables in bytes. */
  readonly slotTableLength: number;
}

// byte 0      bit 7 Fault, bits 6..5 Changer State, bits 4..0 Current Slot (low 5 bits)
// byte 1      bits 7..5 Mechanism State, bit 4 Door Open, bits 2..0 Current Slot (high 3 bits)
// bytes 2..4  CURRENT LBA (obsolete)
// byte 5      NUMBER OF SLOTS AVAILABLE
// bytes 6..7  LENGTH OF SLOT TABLES
export function encodeMechanismStatusData(s: MechanismStatus): Uint8Array {
  const w = new ByteWriter(MECHANISM_STATUS_HEADER_LENGTH);
  w.flag(0, 7, s.fault); // Fault
  w.bits(0, 5, 0x03, s.changerState, 'Changer State');
  w.bits(0, 0, 0x1f, s.currentSlot & 0x1f, 'Current Slot');
  w.bits(1, 5, 0x07, s.mechanismState, 'Mechanism State');
  w.flag(1, 4, s.doorOpen); // Door Open
  w.bits(1, 0, 0x07, s.currentSlot >> 5, 'Current Slot');
  w.u24(2, s.currentLba, 'CURRENT LBA');
  w.u8(5, s.numberOfSlotsAvailable, 'NUMBER OF SLOTS AVAILABLE');
  w.u16(6, s.slotTableLength, 'LENGTH OF SLOT TABLES');
  return w.bytes;
}

/** The header; slot tables that follow are not decoded. */
export function decodeMechanismStatusData(bytes: Uint8Array): MechanismStatus {
  const r = new ByteReader(bytes);
  r.need(0, MECHANISM_STATUS_HEADER_LENGTH, 'mechanism status header');
  return {
    fault: r.bit(0, 7),
    changerState: r.bits(0, 5, 0x03),
    currentSlot: r.bits(0, 0, 0x1f) | (r.bits(1, 0, 0x07) << 5),
    mechanismState: r.bits(1, 5, 0x07),
    doorOpen: r.bit(1, 4),
    currentLba: r.u24(2),
    numberOfSlotsAvailable: r.u8(5),
    slotTableLength: r.u16(6),
  };
}
