// SEND DISC STRUCTURE (MMC-6 6.34; spec §4.3 sendDvdStructure). Pure codec: the CDB and the
// parameter list. Callers give the format's payload; the request prepends the 4-byte header
// (DISC STRUCTURE DATA LENGTH + 2 reserved bytes), as IMAPI2's SendDvdStructure does.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';
import {
  DiscStructureMediaType,
  decodeReadDiscStructureData,
  encodeReadDiscStructureData,
  readDiscStructureFullLength,
} from './read-disc-structure.js';

export interface SendDiscStructureCdb {
  readonly mediaType: number;
  readonly formatCode: number;
  readonly parameterListLength: number;
  readonly agid: number;
}

export type SendDiscStructureCdbOptions = Pick<
  SendDiscStructureCdb,
  'formatCode' | 'parameterListLength'
> &
  Partial<Omit<SendDiscStructureCdb, 'formatCode' | 'parameterListLength'>>;

// byte 0      OPERATION CODE (BFh)
// byte 1      bits 3..0 MEDIA TYPE
// bytes 2..6  reserved
// byte 7      FORMAT CODE
// bytes 8..9  PARAMETER LIST LENGTH
// byte 10     bits 7..6 AGID
// byte 11     CONTROL
export function encodeSendDiscStructureCdb(o: SendDiscStructureCdbOptions): Uint8Array {
  const w = new ByteWriter(12);
  w.u8(0, Opcode.SEND_DISC_STRUCTURE);
  w.bits(1, 0, 0x0f, o.mediaType ?? DiscStructureMediaType.DVD, 'MEDIA TYPE');
  w.u8(7, o.formatCode, 'FORMAT CODE');
  w.u16(8, o.parameterListLength, 'PARAMETER LIST LENGTH');
  w.bits(10, 6, 0x03, o.agid ?? 0, 'AGID');
  return w.bytes;
}

export function decodeSendDiscStructureCdb(cdb: Uint8Array): SendDiscStructureCdb {
  const r = new ByteReader(cdb);
  r.need(0, 12, 'SEND DISC STRUCTURE CDB');
  if (r.u8(0) !== Opcode.SEND_DISC_STRUCTURE) {
    throw new MalformedDataError('not a SEND DISC STRUCTURE CDB');
  }
  return {
    mediaType: r.bits(1, 0, 0x0f),
    formatCode: r.u8(7),
    parameterListLength: r.u16(8),
    agid: r.bits(10, 6, 0x03),
  };
}

// bytes 0..1  DISC STRUCTURE DATA LENGTH (payload length + 2)
// bytes 2..3  reserved
// bytes 4..   payload
/** The parameter list: the 4-byte header followed by `payload`. */
export function encodeSendDiscStructureData(payload: Uint8Array): Uint8Array {
  return encodeReadDiscStructureData(payload);
}

/**
 * The payload of a parameter list (the virtual drive's side). The list must hold the whole
 * structure its length field announces: a drive cannot act on part of a structure.
 */
export function decodeSendDiscStructureData(bytes: Uint8Array): Uint8Array {
  const { payload, truncated } = decodeReadDiscStructureData(bytes);
  if (truncated) {
    throw new MalformedDataError(
      `disc structure parameter list has ${bytes.length} of its ${readDiscStructureFullLength(bytes)} bytes`,
    );
  }
  return payload;
}

/** SEND DISC STRUCTURE of `payload` (header added here). */
export function sendDiscStructure(o: {
  readonly formatCode: number;
  readonly payload: Uint8Array;
  readonly mediaType?: number;
  readonly agid?: number;
}): ScsiCommand {
  const data = encodeSendDiscStructureData(o.payload);
  const cdb = encodeSendDiscStructureCdb({
    formatCode: o.formatCode,
    parameterListLength: data.length,
    ...(o.mediaType !== undefined ? { mediaType: o.mediaType } : {}),
    ...(o.agid !== undefined ? { agid: o.agid } : {}),
  });
  return scsiCommand('SEND DISC STRUCTURE', cdb, 'out', { dataOut: data });
}
