// What a command handler of the virtual drive sees of its command (Exchange), and the helpers
// every handler uses: decoding the CDB and parameter list with the codecs of src/scsi (a CDB or
// list the codec rejects is the CHECK CONDITION a drive reports) and cutting a reply to the
// allocation length. A handler returns the complete data-in (the drive truncates it to the
// allocation length) or throws CheckCondition.

import type { ScsiCommand } from '../../../scsi/command.js';
import { MalformedDataError } from '../../../errors.js';
import { fail, Sense } from '../check.js';
import type { DriveCore } from '../core.js';
import type { Faults } from '../faults.js';
import type { DataOutKeeper } from '../image/block-store.js';

/** What a handler sees of the command being executed. */
export interface Exchange extends DataOutKeeper {
  readonly command: ScsiCommand;
  readonly faults: Faults;
  /** The codec that decoded the CDB; the command log decodes its copy again when asked. */
  decoder: ((cdb: Uint8Array) => unknown) | undefined;
  /** Waits on the drive's clock (honours the command's abort signal and timeout). */
  wait(ms: number): Promise<void>;
}

export type Handler = (
  core: DriveCore,
  x: Exchange,
) => Promise<Uint8Array | void> | Uint8Array | void;

export const EMPTY = new Uint8Array(0);

/** Decodes a CDB with a codec; a CDB the codec rejects is an invalid field in the CDB. */
export function cdbOf<T>(x: Exchange, decode: (cdb: Uint8Array) => T): T {
  let v: T;
  try {
    v = decode(x.command.cdb);
  } catch (e) {
    if (e instanceof MalformedDataError) fail(Sense.INVALID_FIELD_IN_CDB, undefined, e.message);
    throw e;
  }
  x.decoder = decode;
  return v;
}

/** The parameter list of a data-out command, `length` bytes long. */
export function parameterList(x: Exchange, length: number): Uint8Array {
  const data = x.command.dataOut ?? EMPTY;
  if (data.length < length) fail(Sense.PARAMETER_LIST_LENGTH_ERROR);
  return data.subarray(0, length);
}

/** Runs a codec on a parameter list; malformed lists are an invalid field in the parameter list. */
export function parse<T>(decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof MalformedDataError) {
      fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, e.message);
    }
    throw e;
  }
}

/** A reply cut to the CDB's allocation length, as a drive sends it. */
export function upTo(bytes: Uint8Array, allocationLength: number): Uint8Array {
  return bytes.length > allocationLength ? bytes.subarray(0, allocationLength) : bytes;
}
