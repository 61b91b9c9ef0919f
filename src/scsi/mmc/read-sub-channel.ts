// READ SUB-CHANNEL (MMC-6 6.32). Pure codec: the CDB and the three CD data formats (01h current
// position, 02h Media Catalogue Number, 03h ISRC) after the 4-byte header.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';
import { lbaToMsf, msfToLba } from './msf.js';

export const SubChannelFormat = { CURRENT_POSITION: 0x01, MCN: 0x02, ISRC: 0x03 } as const;

/** Audio status (header byte 1): none to report. */
export const AUDIO_STATUS_NONE = 0x15;

export interface ReadSubChannelCdb {
  readonly msf: boolean;
  /** SubQ: return the sub-channel data, not only the header. */
  readonly subQ: boolean;
  readonly format: number;
  /** Track of the ISRC (format 03h). */
  readonly trackNumber: number;
  readonly allocationLength: number;
}

// byte 0      OPERATION CODE (42h)
// byte 1      bit 1 MSF
// byte 2      bit 6 SubQ
// byte 3      Sub-channel Parameter List Code
// byte 6      Track Number
// bytes 7..8  ALLOCATION LENGTH
// byte 9      CONTROL
export function encodeReadSubChannelCdb(o: Partial<ReadSubChannelCdb>): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.READ_SUB_CHANNEL);
  w.flag(1, 1, o.msf); // MSF
  w.flag(2, 6, o.subQ ?? true); // SubQ
  w.u8(3, o.format ?? SubChannelFormat.CURRENT_POSITION, 'Sub-channel Parameter List Code');
  w.u8(6, o.trackNumber ?? 0, 'Track Number');
  w.u16(7, o.allocationLength ?? 24, 'Allocation Length');
  return w.bytes;
}

export function decodeReadSubChannelCdb(cdb: Uint8Array): ReadSubChannelCdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'READ SUB-CHANNEL CDB');
  if (r.u8(0) !== Opcode.READ_SUB_CHANNEL)
    throw new MalformedDataError('not a READ SUB-CHANNEL CDB');
  return {
    msf: r.bit(1, 1),
    subQ: r.bit(2, 6),
    format: r.u8(3),
    trackNumber: r.u8(6),
    allocationLength: r.u16(7),
  };
}

export function readSubChannel(o: Partial<ReadSubChannelCdb>): ScsiCommand {
  const allocationLength = o.allocationLength ?? 24;
  return scsiCommand(
    'READ SUB-CHANNEL',
    encodeReadSubChannelCdb({ ...o, allocationLength }),
    'in',
    {
      allocationLength,
    },
  );
}

export interface CurrentPosition {
  readonly format: 0x01;
  readonly adr: number;
  readonly control: number;
  readonly trackNumber: number;
  readonly indexNumber: number;
  readonly absoluteLba: number;
  /** Relative to index 1 of the track (negative in the pregap). */
  readonly relativeLba: number;
}
export interface CatalogNumber {
  readonly format: 0x02;
  /** Undefined when MCVal is 0 (the disc has none). */
  readonly mediaCatalogNumber: string | undefined;
}
export interface TrackIsrc {
  readonly format: 0x03;
  readonly adr: number;
  readonly control: number;
  readonly trackNumber: number;
  /** Undefined when TCVal is 0. */
  readonly isrc: string | undefined;
}
export type SubChannelData = CurrentPosition | CatalogNumber | TrackIsrc;

function address(w: ByteWriter, at: number, lba: number, msf: boolean, relative: boolean): void {
  if (!msf) {
    w.i32(at, lba);
    return;
  }
  // MSF: absolute addresses count from −150; a relative one is the plain time of |lba| frames.
  const frames = relative ? Math.abs(lba) : lba + 150;
  const m = relative
    ? { m: Math.floor(frames / 4500), s: Math.floor(frames / 75) % 60, f: frames % 75 }
    : lbaToMsf(lba);
  w.u8(at + 1, m.m)
    .u8(at + 2, m.s)
    .u8(at + 3, m.f);
}

// header:  byte 1 AUDIO STATUS, bytes 2..3 SUB-CHANNEL DATA LENGTH (bytes after the header)
// 01h:     byte 0 format, 1 ADR (7..4) CONTROL (3..0), 2 track, 3 index, 4..7 absolute address,
//          8..11 track relative address
// 02h:     byte 0 format, 4 bit 7 MCVal, 5..17 N1..N13 (ASCII), 18 zero, 19 AFRAME
// 03h:     byte 0 format, 1 ADR/CONTROL, 2 track, 4 bit 7 TCVal, 5..16 I1..I12 (ASCII), 17 zero,
//          18 AFRAME
/** The response: header, then (with SubQ) the format's data. */
export function encodeReadSubChannelData(
  d: SubChannelData | undefined,
  o: { readonly msf?: boolean; readonly audioStatus?: number } = {},
): Uint8Array {
  const size = d === undefined ? 0 : d.format === 0x01 ? 12 : 20;
  const w = new ByteWriter(4 + size);
  w.u8(1, o.audioStatus ?? AUDIO_STATUS_NONE, 'Audio Status');
  w.u16(2, size);
  if (d === undefined) return w.bytes;
  w.u8(4, d.format);
  if (d.format === 0x02) {
    if (d.mediaCatalogNumber !== undefined) {
      w.flag(8, 7, true); // MCVal
      w.ascii(9, 13, d.mediaCatalogNumber, 'MCN');
    }
    return w.bytes;
  }
  w.bits(5, 4, 0x0f, d.adr, 'ADR').bits(5, 0, 0x0f, d.control, 'CONTROL');
  w.u8(6, d.trackNumber, 'Track Number');
  if (d.format === 0x03) {
    if (d.isrc !== undefined) {
      w.flag(8, 7, true); // TCVal
      w.ascii(9, 12, d.isrc, 'ISRC');
    }
    return w.bytes;
  }
  w.u8(7, d.indexNumber, 'Index Number');
  address(w, 8, d.absoluteLba, o.msf ?? false, false);
  address(w, 12, d.relativeLba, o.msf ?? false, true);
  return w.bytes;
}

/** Decodes the response (LBA addresses unless `msf`). Undefined data when SubQ returned none. */
export function decodeReadSubChannelData(
  bytes: Uint8Array,
  o: { readonly msf?: boolean } = {},
): { readonly audioStatus: number; readonly data: SubChannelData | undefined } {
  const r = new ByteReader(bytes);
  r.need(0, 4, 'READ SUB-CHANNEL header');
  const audioStatus = r.u8(1);
  const length = r.u16(2);
  if (length === 0) return { audioStatus, data: undefined };
  r.need(4, Math.min(length, 1), 'sub-channel data');
  const format = r.u8(4);
  const text = (at: number, n: number) => String.fromCharCode(...r.sub(at, n));
  if (format === 0x02) {
    r.need(4, 20, 'MCN data');
    return {
      audioStatus,
      data: { format, mediaCatalogNumber: r.bit(8, 7) ? text(9, 13) : undefined },
    };
  }
  if (format === 0x03) {
    r.need(4, 20, 'ISRC data');
    return {
      audioStatus,
      data: {
        format,
        adr: r.bits(5, 4, 0x0f),
        control: r.bits(5, 0, 0x0f),
        trackNumber: r.u8(6),
        isrc: r.bit(8, 7) ? text(9, 12) : undefined,
      },
    };
  }
  if (format !== 0x01) throw new MalformedDataError(`sub-channel data format ${format}`);
  r.need(4, 12, 'current position data');
  const addr = (at: number, relative: boolean) => {
    if (!o.msf) return r.i32(at);
    const m = { m: r.u8(at + 1), s: r.u8(at + 2), f: r.u8(at + 3) };
    return relative ? (m.m * 60 + m.s) * 75 + m.f : msfToLba(m);
  };
  return {
    audioStatus,
    data: {
      format,
      adr: r.bits(5, 4, 0x0f),
      control: r.bits(5, 0, 0x0f),
      trackNumber: r.u8(6),
      indexNumber: r.u8(7),
      absoluteLba: addr(8, false),
      relativeLba: addr(12, true),
    },
  };
}
