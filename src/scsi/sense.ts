// Sense data (SPC-4 4.5): fixed (70h/71h) and descriptor (72h/73h) formats, decoded, encoded,
// converted to the 18-byte fixed form discwright hands out (spec §4.5). The mapping to an HRESULT
// (spec §7) is in sense-hresult.ts. Pure codec: no I/O.
//
// Truncation: drives and transports cut sense at their buffer size, and the ADDITIONAL SENSE
// LENGTH is not adjusted when they do. The decoder therefore reads a field only when it lies both
// inside the bytes present and inside 8 + ADDITIONAL SENSE LENGTH. A missing ASC or ASCQ reads as
// 00h, which SPC-4 defines as "no additional sense information" and which is exactly what the zero
// padding of toFixedSense18() yields, so both paths agree. Sense without a sense key (fixed
// format shorter than 3 bytes, descriptor format shorter than 2) is unusable.

import { ByteReader, ByteWriter } from './bytes.js';
import { standardAscText } from './asc-table.js';
import { MalformedDataError, type SenseSummary } from '../errors.js';

/** SENSE KEY values (SPC-4 4.5.6, table 27). 0Ch is obsolete/reserved and has no name here. */
export const SenseKey = {
  NO_SENSE: 0x0,
  RECOVERED_ERROR: 0x1,
  NOT_READY: 0x2,
  MEDIUM_ERROR: 0x3,
  HARDWARE_ERROR: 0x4,
  ILLEGAL_REQUEST: 0x5,
  UNIT_ATTENTION: 0x6,
  DATA_PROTECT: 0x7,
  BLANK_CHECK: 0x8,
  VENDOR_SPECIFIC: 0x9,
  COPY_ABORTED: 0xa,
  ABORTED_COMMAND: 0xb,
  VOLUME_OVERFLOW: 0xd,
  MISCOMPARE: 0xe,
  COMPLETED: 0xf,
} as const;

/** RESPONSE CODE values (SPC-4 4.5.1). */
export const SenseResponseCode = {
  FIXED_CURRENT: 0x70,
  FIXED_DEFERRED: 0x71,
  DESCRIPTOR_CURRENT: 0x72,
  DESCRIPTOR_DEFERRED: 0x73,
} as const;

/** Sense data descriptor types discwright interprets (SPC-4 4.5.2.1). */
export const SenseDescriptorType = {
  INFORMATION: 0x00,
  COMMAND_SPECIFIC_INFORMATION: 0x01,
  SENSE_KEY_SPECIFIC: 0x02,
  FIELD_REPLACEABLE_UNIT: 0x03,
  STREAM_COMMANDS: 0x04,
  BLOCK_COMMANDS: 0x05,
} as const;

const keyNames = new Map<number, string>(
  Object.entries(SenseKey).map(([k, v]) => [v, k.replace(/_/g, ' ')]),
);

/** `ILLEGAL REQUEST` and so on; `RESERVED` for 0Ch, `SENSE KEY 0xNN` outside 0..15. */
export function senseKeyName(key: number): string {
  const name = keyNames.get(key);
  if (name !== undefined) return name;
  if (key === 0xc) return 'RESERVED';
  return `SENSE KEY 0x${key.toString(16).toUpperCase().padStart(2, '0')}`;
}

const hex2 = (n: number) => '0x' + n.toString(16).toUpperCase().padStart(2, '0');

/**
 * The text for an ASC/ASCQ pair: the standard's name, else `VENDOR SPECIFIC ASC 0x.. ASCQ 0x..`
 * for the vendor-specific ranges (ASC >= 80h, or ASCQ >= 80h under a standard ASC), else the
 * generic `ASC 0x5B ASCQ 0x10`.
 */
export function ascText(asc: number, ascq: number): string {
  const known = standardAscText(asc, ascq);
  if (known !== undefined) return known;
  const codes = `ASC ${hex2(asc)} ASCQ ${hex2(ascq)}`;
  return asc >= 0x80 || ascq >= 0x80 ? `VENDOR SPECIFIC ${codes}` : codes;
}

/** The SENSE KEY SPECIFIC field (SPC-4 4.5.2.4), interpreted by sense key. Present only when SKSV = 1. */
export type SenseKeySpecific =
  /** NO SENSE, NOT READY: PROGRESS INDICATION, the numerator of a fraction of 65536. */
  | { readonly kind: 'progress'; readonly progressIndication: number; readonly fraction: number }
  /** ILLEGAL REQUEST: the byte (and bit, when BPV = 1) in error; commandData = C/D (1 = CDB). */
  | {
      readonly kind: 'fieldPointer';
      readonly commandData: boolean;
      readonly bitPointer?: number;
      readonly fieldPointer: number;
    }
  /** RECOVERED ERROR, MEDIUM ERROR, HARDWARE ERROR. */
  | { readonly kind: 'actualRetryCount'; readonly actualRetryCount: number }
  /** COPY ABORTED: segmentDescriptor = SD (1 = relative to the segment descriptor). */
  | {
      readonly kind: 'segmentPointer';
      readonly segmentDescriptor: boolean;
      readonly bitPointer?: number;
      readonly fieldPointer: number;
    }
  /** UNIT ATTENTION: OVERFLOW of the unit attention condition queue. */
  | { readonly kind: 'unitAttentionQueueOverflow'; readonly overflow: boolean }
  /** Any other sense key: the three bytes as sent (SKSV included). */
  | { readonly kind: 'raw'; readonly bytes: Uint8Array };

/** One sense data descriptor as sent: type and the bytes after the ADDITIONAL LENGTH byte. */
export interface SenseDescriptor {
  readonly type: number;
  readonly data: Uint8Array;
}

export interface DecodedSense {
  readonly format: 'fixed' | 'descriptor';
  /** 70h..73h. */
  readonly responseCode: number;
  /** Response code 71h/73h: the sense belongs to an earlier command (e.g. a buffered WRITE). */
  readonly deferred: boolean;
  readonly senseKey: number;
  readonly asc: number;
  readonly ascq: number;
  /**
   * The INFORMATION field (often the failing LBA), present when VALID = 1 and the field was
   * sent. Fixed format: 32 bits. Descriptor format: 64 bits, exact up to 2^53 − 1.
   */
  readonly information?: number;
  /** COMMAND-SPECIFIC INFORMATION, when sent (fixed: 32 bits; descriptor: 64 bits). */
  readonly commandSpecificInformation?: number;
  /** FIELD REPLACEABLE UNIT CODE, when sent. */
  readonly fieldReplaceableUnitCode?: number;
  /** SENSE KEY SPECIFIC, when sent with SKSV = 1. */
  readonly senseKeySpecific?: SenseKeySpecific;
  readonly filemark: boolean;
  readonly eom: boolean;
  readonly ili: boolean;
  /** SDAT_OVFL: the device had more sense than fits. */
  readonly sdatOverflow: boolean;
  /** Descriptor format: every complete descriptor, in order (fixed format: empty). */
  readonly descriptors: readonly SenseDescriptor[];
  /** Bytes that belong to the structure: min(bytes present, 8 + ADDITIONAL SENSE LENGTH). */
  readonly length: number;
}

function decodeSks(key: number, b0: number, b1: number, b2: number): SenseKeySpecific {
  const value = (b1 << 8) | b2;
  const bpv = (b0 & 0x08) !== 0; // BPV
  switch (key) {
    case SenseKey.NO_SENSE:
    case SenseKey.NOT_READY:
      return { kind: 'progress', progressIndication: value, fraction: value / 65536 };
    case SenseKey.ILLEGAL_REQUEST:
      return {
        kind: 'fieldPointer',
        commandData: (b0 & 0x40) !== 0, // C/D
        ...(bpv ? { bitPointer: b0 & 0x07 } : {}),
        fieldPointer: value,
      };
    case SenseKey.RECOVERED_ERROR:
    case SenseKey.MEDIUM_ERROR:
    case SenseKey.HARDWARE_ERROR:
      return { kind: 'actualRetryCount', actualRetryCount: value };
    case SenseKey.COPY_ABORTED:
      return {
        kind: 'segmentPointer',
        segmentDescriptor: (b0 & 0x20) !== 0, // SD
        ...(bpv ? { bitPointer: b0 & 0x07 } : {}),
        fieldPointer: value,
      };
    case SenseKey.UNIT_ATTENTION:
      return { kind: 'unitAttentionQueueOverflow', overflow: (b0 & 0x01) !== 0 }; // OVERFLOW
    default:
      return { kind: 'raw', bytes: Uint8Array.of(b0, b1, b2) };
  }
}

/** Response code of usable sense, or a MalformedDataError. */
function responseCodeOf(bytes: Uint8Array): number {
  if (bytes.length === 0) throw new MalformedDataError('sense data is empty');
  const code = (bytes[0] ?? 0) & 0x7f; // RESPONSE CODE (bit 7 is VALID in fixed format)
  if (code < 0x70 || code > 0x73) {
    throw new MalformedDataError(`sense response code ${hex2(code)} is not 70h..73h`);
  }
  return code;
}

// Fixed format (SPC-4 4.5.3):
// byte 0      bit 7 VALID, bits 6..0 RESPONSE CODE (70h/71h)
// byte 2      bit 7 FILEMARK, bit 6 EOM, bit 5 ILI, bit 4 SDAT_OVFL, bits 3..0 SENSE KEY
// bytes 3..6  INFORMATION
// byte 7      ADDITIONAL SENSE LENGTH (n − 7)
// bytes 8..11 COMMAND-SPECIFIC INFORMATION
// byte 12     ADDITIONAL SENSE CODE, byte 13 ADDITIONAL SENSE CODE QUALIFIER
// byte 14     FIELD REPLACEABLE UNIT CODE
// bytes 15..17 bit 7 SKSV, SENSE KEY SPECIFIC
function decodeFixed(r: ByteReader, responseCode: number): DecodedSense {
  const present = r.length;
  if (present < 3) throw new MalformedDataError('fixed-format sense ends before the sense key');
  const end = present < 8 ? present : Math.min(present, 8 + r.u8(7));
  const has = (at: number, n: number) => at + n <= end;
  const b2 = r.u8(2);
  const senseKey = b2 & 0x0f;
  const valid = r.bit(0, 7); // VALID
  let sks: SenseKeySpecific | undefined;
  if (has(15, 3) && r.bit(15, 7)) sks = decodeSks(senseKey, r.u8(15), r.u8(16), r.u8(17)); // SKSV
  return {
    format: 'fixed',
    responseCode,
    deferred: responseCode === SenseResponseCode.FIXED_DEFERRED,
    senseKey,
    asc: has(12, 1) ? r.u8(12) : 0,
    ascq: has(13, 1) ? r.u8(13) : 0,
    ...(valid && has(3, 4) ? { information: r.u32(3) } : {}),
    ...(has(8, 4) ? { commandSpecificInformation: r.u32(8) } : {}),
    ...(has(14, 1) ? { fieldReplaceableUnitCode: r.u8(14) } : {}),
    ...(sks !== undefined ? { senseKeySpecific: sks } : {}),
    filemark: (b2 & 0x80) !== 0,
    eom: (b2 & 0x40) !== 0,
    ili: (b2 & 0x20) !== 0,
    sdatOverflow: (b2 & 0x10) !== 0,
    descriptors: [],
    length: end,
  };
}

// Descriptor format (SPC-4 4.5.2):
// byte 0      RESPONSE CODE (72h/73h)
// byte 1      bits 3..0 SENSE KEY
// byte 2      ADDITIONAL SENSE CODE, byte 3 ADDITIONAL SENSE CODE QUALIFIER
// byte 4      bit 7 SDAT_OVFL
// byte 7      ADDITIONAL SENSE LENGTH (n − 7)
// bytes 8..n  sense data descriptors: type, ADDITIONAL LENGTH, that many bytes
function decodeDescriptor(r: ByteReader, responseCode: number): DecodedSense {
  const present = r.length;
  if (present < 2) {
    throw new MalformedDataError('descriptor-format sense ends before the sense key');
  }
  const end = present < 8 ? present : Math.min(present, 8 + r.u8(7));
  const descriptors: SenseDescriptor[] = [];
  // A descriptor cut off by the end of the structure is dropped, never half-read.
  for (let at = 8; at + 2 <= end;) {
    const n = r.u8(at + 1);
    if (at + 2 + n > end) break;
    descriptors.push({ type: r.u8(at), data: r.slice(at + 2, n) });
    at += 2 + n;
  }
  const senseKey = r.u8(1) & 0x0f;
  let information: number | undefined;
  let csi: number | undefined;
  let fru: number | undefined;
  let sks: SenseKeySpecific | undefined;
  let filemark = false;
  let eom = false;
  let ili = false;
  // SPC-4 allows one descriptor of each type; with duplicates the first one wins.
  for (const d of descriptors) {
    const dr = new ByteReader(d.data);
    switch (d.type) {
      case SenseDescriptorType.INFORMATION:
        // data: byte 0 bit 7 VALID, byte 1 reserved, bytes 2..9 INFORMATION
        if (information === undefined && d.data.length >= 10 && dr.bit(0, 7)) {
          information = dr.u64(2);
        }
        break;
      case SenseDescriptorType.COMMAND_SPECIFIC_INFORMATION:
        if (csi === undefined && d.data.length >= 10) csi = dr.u64(2);
        break;
      case SenseDescriptorType.SENSE_KEY_SPECIFIC:
        // data: bytes 0..1 reserved, bytes 2..4 SKSV + SENSE KEY SPECIFIC
        if (sks === undefined && d.data.length >= 5 && dr.bit(2, 7)) {
          sks = decodeSks(senseKey, dr.u8(2), dr.u8(3), dr.u8(4));
        }
        break;
      case SenseDescriptorType.FIELD_REPLACEABLE_UNIT:
        if (fru === undefined && d.data.length >= 2) fru = dr.u8(1);
        break;
      case SenseDescriptorType.STREAM_COMMANDS:
        // data: byte 1 bit 7 FILEMARK, bit 6 EOM, bit 5 ILI
        if (d.data.length >= 2) {
          filemark ||= dr.bit(1, 7);
          eom ||= dr.bit(1, 6);
          ili ||= dr.bit(1, 5);
        }
        break;
      case SenseDescriptorType.BLOCK_COMMANDS:
        if (d.data.length >= 2) ili ||= dr.bit(1, 5); // ILI
        break;
      default:
        break;
    }
  }
  return {
    format: 'descriptor',
    responseCode,
    deferred: responseCode === SenseResponseCode.DESCRIPTOR_DEFERRED,
    senseKey,
    asc: present > 2 ? r.u8(2) : 0,
    ascq: present > 3 ? r.u8(3) : 0,
    ...(information !== undefined ? { information } : {}),
    ...(csi !== undefined ? { commandSpecificInformation: csi } : {}),
    ...(fru !== undefined ? { fieldReplaceableUnitCode: fru } : {}),
    ...(sks !== undefined ? { senseKeySpecific: sks } : {}),
    filemark,
    eom,
    ili,
    sdatOverflow: present > 4 && r.bit(4, 7), // SDAT_OVFL
    descriptors,
    length: end,
  };
}

/**
 * Decodes fixed or descriptor-format sense. Throws MalformedDataError when the sense is empty,
 * its response code is not 70h..73h, or it ends before the sense key.
 */
export function decodeSense(bytes: Uint8Array): DecodedSense {
  const responseCode = responseCodeOf(bytes);
  const r = new ByteReader(bytes);
  return responseCode <= 0x71 ? decodeFixed(r, responseCode) : decodeDescriptor(r, responseCode);
}

/**
 * The 18-byte fixed-format sense of spec §4.5. Fixed sense is cut to its structure, zero-padded
 * and given ADDITIONAL SENSE LENGTH 0Ah (VALID is cleared when the INFORMATION bytes were not
 * sent). Descriptor sense becomes 70h/71h with key, ASC and ASCQ; the information, command-
 * specific information, FRU code and sense key specific descriptors fill their fixed-format
 * fields (the two 64-bit values only when they fit in 32 bits); stream/block ILI, FILEMARK and
 * EOM go to byte 2. Throws MalformedDataError for unusable sense, as decodeSense() does.
 */
export function toFixedSense18(bytes: Uint8Array): Uint8Array {
  const d = decodeSense(bytes);
  const out = new Uint8Array(18);
  if (d.format === 'fixed') {
    out.set(bytes.subarray(0, Math.min(d.length, 18)));
    if (d.information === undefined) out[0] = (out[0] ?? 0) & 0x7f; // VALID
    out[7] = 10; // ADDITIONAL SENSE LENGTH
    return out;
  }
  const fits = (v: number | undefined): v is number => v !== undefined && v <= 0xffffffff;
  const w = new ByteWriter(out);
  w.u8(0, d.deferred ? 0x71 : 0x70);
  w.flag(2, 7, d.filemark).flag(2, 6, d.eom).flag(2, 5, d.ili).flag(2, 4, d.sdatOverflow);
  w.bits(2, 0, 0x0f, d.senseKey);
  if (fits(d.information)) {
    w.flag(0, 7, true); // VALID
    w.u32(3, d.information);
  }
  w.u8(7, 10); // ADDITIONAL SENSE LENGTH
  if (fits(d.commandSpecificInformation)) w.u32(8, d.commandSpecificInformation);
  w.u8(12, d.asc).u8(13, d.ascq);
  if (d.fieldReplaceableUnitCode !== undefined) w.u8(14, d.fieldReplaceableUnitCode);
  const sksDescriptor = d.descriptors.find(
    (x) => x.type === SenseDescriptorType.SENSE_KEY_SPECIFIC && x.data.length >= 5,
  );
  if (d.senseKeySpecific !== undefined && sksDescriptor !== undefined) {
    w.bytesAt(15, sksDescriptor.data.subarray(2, 5));
  }
  return out;
}

/** The decoded sense in the shape errors carry (DwError.senseInfo). */
export function summarizeSense(d: DecodedSense): SenseSummary {
  return {
    key: d.senseKey,
    asc: d.asc,
    ascq: d.ascq,
    keyName: senseKeyName(d.senseKey),
    text: ascText(d.asc, d.ascq),
    ...(d.information !== undefined ? { information: d.information } : {}),
    deferred: d.deferred,
  };
}
