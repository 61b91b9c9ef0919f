// Sense data encoders (SPC-4 4.5): fixed (70h/71h) and descriptor (72h/73h) format, for what
// answers with sense (the virtual drive, REQUEST SENSE data). Pure codec: no I/O. The decoder is
// in sense.ts.

import { ByteWriter } from './bytes.js';
import { SenseDescriptorType, SenseKey, senseKeyName, type SenseKeySpecific } from './sense.js';
import { invalidArgument } from '../errors.js';

/** What an encoder accepts: the codes plus the optional fields. */
export interface SenseOptions {
  readonly senseKey: number;
  readonly asc: number;
  readonly ascq: number;
  /** Response code 71h/73h instead of 70h/72h. */
  readonly deferred?: boolean;
  /** Sets VALID. Fixed format: 0..2^32 − 1; descriptor format: 0..2^53 − 1. */
  readonly information?: number;
  readonly commandSpecificInformation?: number;
  readonly fieldReplaceableUnitCode?: number;
  /** Shorthand for a `progress` sense key specific field: PROGRESS INDICATION, 0..65535. */
  readonly progress?: number;
  /** Must match the sense key the way decodeSense() interprets it. */
  readonly senseKeySpecific?: SenseKeySpecific;
  readonly filemark?: boolean;
  readonly eom?: boolean;
  readonly ili?: boolean;
}

const sksKindForKey = (key: number): SenseKeySpecific['kind'] => {
  switch (key) {
    case SenseKey.NO_SENSE:
    case SenseKey.NOT_READY:
      return 'progress';
    case SenseKey.ILLEGAL_REQUEST:
      return 'fieldPointer';
    case SenseKey.RECOVERED_ERROR:
    case SenseKey.MEDIUM_ERROR:
    case SenseKey.HARDWARE_ERROR:
      return 'actualRetryCount';
    case SenseKey.COPY_ABORTED:
      return 'segmentPointer';
    case SenseKey.UNIT_ATTENTION:
      return 'unitAttentionQueueOverflow';
    default:
      return 'raw';
  }
};

/** The three SENSE KEY SPECIFIC bytes with SKSV set, or undefined when there is none. */
function encodeSks(o: SenseOptions): Uint8Array | undefined {
  if (o.progress !== undefined && o.senseKeySpecific !== undefined) {
    throw invalidArgument('give either progress or senseKeySpecific, not both');
  }
  const sks: SenseKeySpecific | undefined =
    o.progress !== undefined
      ? { kind: 'progress', progressIndication: o.progress, fraction: o.progress / 65536 }
      : o.senseKeySpecific;
  if (sks === undefined) return undefined;
  const expected = sksKindForKey(o.senseKey);
  if (sks.kind !== expected) {
    throw invalidArgument(
      `sense key ${senseKeyName(o.senseKey)} carries a ${expected} field, not ${sks.kind}`,
    );
  }
  const w = new ByteWriter(3);
  w.u8(0, 0x80); // SKSV
  switch (sks.kind) {
    case 'progress':
      w.u16(1, sks.progressIndication, 'PROGRESS INDICATION');
      break;
    case 'fieldPointer':
      w.flag(0, 6, sks.commandData); // C/D
      if (sks.bitPointer !== undefined) {
        w.flag(0, 3, true); // BPV
        w.bits(0, 0, 0x07, sks.bitPointer, 'BIT POINTER');
      }
      w.u16(1, sks.fieldPointer, 'FIELD POINTER');
      break;
    case 'actualRetryCount':
      w.u16(1, sks.actualRetryCount, 'ACTUAL RETRY COUNT');
      break;
    case 'segmentPointer':
      w.flag(0, 5, sks.segmentDescriptor); // SD
      if (sks.bitPointer !== undefined) {
        w.flag(0, 3, true); // BPV
        w.bits(0, 0, 0x07, sks.bitPointer, 'BIT POINTER');
      }
      w.u16(1, sks.fieldPointer, 'FIELD POINTER');
      break;
    case 'unitAttentionQueueOverflow':
      w.flag(0, 0, sks.overflow); // OVERFLOW
      break;
    case 'raw':
      if (sks.bytes.length !== 3) throw invalidArgument('raw SENSE KEY SPECIFIC needs 3 bytes');
      w.bytesAt(0, sks.bytes, 'SENSE KEY SPECIFIC');
      w.u8(0, (sks.bytes[0] ?? 0) | 0x80); // SKSV
      break;
  }
  return w.bytes;
}

// byte 0      bit 7 VALID (set when information is given), bits 6..0 70h / 71h (deferred)
// byte 2      bit 7 FILEMARK, bit 6 EOM, bit 5 ILI, bits 3..0 SENSE KEY
// bytes 3..6  INFORMATION
// byte 7      ADDITIONAL SENSE LENGTH = 0Ah
// bytes 8..11 COMMAND-SPECIFIC INFORMATION
// byte 12     ASC, byte 13 ASCQ, byte 14 FIELD REPLACEABLE UNIT CODE
// bytes 15..17 SKSV + SENSE KEY SPECIFIC
/** 18-byte fixed-format sense. */
export function encodeFixedSense(o: SenseOptions): Uint8Array {
  const w = new ByteWriter(18);
  w.u8(0, o.deferred === true ? 0x71 : 0x70);
  w.flag(0, 7, o.information !== undefined); // VALID
  w.flag(2, 7, o.filemark); // FILEMARK
  w.flag(2, 6, o.eom); // EOM
  w.flag(2, 5, o.ili); // ILI
  w.bits(2, 0, 0x0f, o.senseKey, 'SENSE KEY');
  if (o.information !== undefined) w.u32(3, o.information, 'INFORMATION');
  w.u8(7, 10); // ADDITIONAL SENSE LENGTH
  if (o.commandSpecificInformation !== undefined) {
    w.u32(8, o.commandSpecificInformation, 'COMMAND-SPECIFIC INFORMATION');
  }
  w.u8(12, o.asc, 'ADDITIONAL SENSE CODE');
  w.u8(13, o.ascq, 'ADDITIONAL SENSE CODE QUALIFIER');
  if (o.fieldReplaceableUnitCode !== undefined) {
    w.u8(14, o.fieldReplaceableUnitCode, 'FIELD REPLACEABLE UNIT CODE');
  }
  const sks = encodeSks(o);
  if (sks !== undefined) w.bytesAt(15, sks, 'SENSE KEY SPECIFIC');
  return w.bytes;
}

// header: byte 0 72h / 73h (deferred), byte 1 SENSE KEY, byte 2 ASC, byte 3 ASCQ,
//         byte 7 ADDITIONAL SENSE LENGTH
// then, in this order, each only when given:
//   information descriptor          00h 0Ah  80h(VALID) 00h  INFORMATION (8 bytes)
//   command-specific information    01h 0Ah  00h 00h         COMMAND-SPECIFIC INFORMATION (8)
//   sense key specific              02h 06h  00h 00h  SKSV+SENSE KEY SPECIFIC (3)  00h
//   field replaceable unit          03h 02h  00h  FIELD REPLACEABLE UNIT CODE
//   stream commands (FILEMARK, EOM) 04h 02h  00h  bit 7 FILEMARK, bit 6 EOM, bit 5 ILI
//   block commands (ILI only)       05h 02h  00h  bit 5 ILI
/** Descriptor-format sense with the descriptors the options call for. */
export function encodeDescriptorSense(o: SenseOptions): Uint8Array {
  const parts: Uint8Array[] = [];
  if (o.information !== undefined) {
    const d = new ByteWriter(12).u8(0, SenseDescriptorType.INFORMATION).u8(1, 0x0a);
    d.u8(2, 0x80); // VALID
    d.u64(4, o.information, 'INFORMATION');
    parts.push(d.bytes);
  }
  if (o.commandSpecificInformation !== undefined) {
    const d = new ByteWriter(12).u8(0, SenseDescriptorType.COMMAND_SPECIFIC_INFORMATION);
    d.u8(1, 0x0a).u64(4, o.commandSpecificInformation, 'COMMAND-SPECIFIC INFORMATION');
    parts.push(d.bytes);
  }
  const sks = encodeSks(o);
  if (sks !== undefined) {
    const d = new ByteWriter(8).u8(0, SenseDescriptorType.SENSE_KEY_SPECIFIC).u8(1, 0x06);
    parts.push(d.bytesAt(4, sks).bytes);
  }
  if (o.fieldReplaceableUnitCode !== undefined) {
    const d = new ByteWriter(4).u8(0, SenseDescriptorType.FIELD_REPLACEABLE_UNIT).u8(1, 0x02);
    parts.push(d.u8(3, o.fieldReplaceableUnitCode, 'FIELD REPLACEABLE UNIT CODE').bytes);
  }
  if (o.filemark === true || o.eom === true) {
    const d = new ByteWriter(4).u8(0, SenseDescriptorType.STREAM_COMMANDS).u8(1, 0x02);
    parts.push(d.flag(3, 7, o.filemark).flag(3, 6, o.eom).flag(3, 5, o.ili).bytes);
  } else if (o.ili === true) {
    const d = new ByteWriter(4).u8(0, SenseDescriptorType.BLOCK_COMMANDS).u8(1, 0x02);
    parts.push(d.flag(3, 5, true).bytes);
  }
  const total = 8 + parts.reduce((n, p) => n + p.length, 0);
  const w = new ByteWriter(total);
  w.u8(0, o.deferred === true ? 0x73 : 0x72);
  w.bits(1, 0, 0x0f, o.senseKey, 'SENSE KEY');
  w.u8(2, o.asc, 'ADDITIONAL SENSE CODE');
  w.u8(3, o.ascq, 'ADDITIONAL SENSE CODE QUALIFIER');
  w.u8(7, total - 8, 'ADDITIONAL SENSE LENGTH');
  let at = 8;
  for (const p of parts) {
    w.bytesAt(at, p);
    at += p.length;
  }
  return w.bytes;
}
