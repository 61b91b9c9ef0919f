// REQUEST SENSE (SPC-4, MMC-6). Pure codec: the CDB only. The sense data it returns is
// decoded by ../sense.ts, the one place that parses fixed and descriptor format sense.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

export interface RequestSenseCdb {
  /** Ask for descriptor format sense data (DESC). Drives may answer in fixed format anyway. */
  readonly desc: boolean;
  /** Bytes, 0..255. */
  readonly allocationLength: number;
}

export type RequestSenseOptions = Partial<RequestSenseCdb>;

/** SPC-4 recommends an allocation length of 252, the largest sense data a device may return. */
export const REQUEST_SENSE_ALLOCATION_LENGTH = 252;

// byte 0      OPERATION CODE (03h)
// byte 1      bit 0 DESC
// bytes 2..3  Reserved
// byte 4      ALLOCATION LENGTH
// byte 5      CONTROL
export function encodeRequestSenseCdb(o: RequestSenseOptions = {}): Uint8Array {
  const w = new ByteWriter(6);
  w.u8(0, Opcode.REQUEST_SENSE);
  w.flag(1, 0, o.desc); // DESC
  w.u8(4, o.allocationLength ?? REQUEST_SENSE_ALLOCATION_LENGTH, 'ALLOCATION LENGTH');
  return w.bytes;
}

export function decodeRequestSenseCdb(cdb: Uint8Array): RequestSenseCdb {
  const r = new ByteReader(cdb);
  r.need(0, 6, 'REQUEST SENSE CDB');
  if (r.u8(0) !== Opcode.REQUEST_SENSE) throw new MalformedDataError('not a REQUEST SENSE CDB');
  return { desc: r.bit(1, 0), allocationLength: r.u8(4) };
}

/** REQUEST SENSE; decode the data-in with the sense decoder in ../sense.ts. */
export function requestSense(o: RequestSenseOptions = {}): ScsiCommand {
  return scsiCommand('REQUEST SENSE', encodeRequestSenseCdb(o), 'in', {
    allocationLength: o.allocationLength ?? REQUEST_SENSE_ALLOCATION_LENGTH,
  });
}
