// Sense → HRESULT: the table of spec §7, for sense returned with CHECK CONDITION. Pure: which
// outcomes are retried is decided in src/device/sense-policy.ts.

import { Opcode } from './opcodes.js';
import { decodeSense, SenseKey, type DecodedSense } from './sense.js';
import { HR, MalformedDataError, type HResult } from '../errors.js';

/**
 * The sense-to-HRESULT table of spec §7, matched top to bottom. Pure: which outcomes are retried
 * is decided above (src/device/sense-policy.ts). `opcode` refines 5/24, 5/26 and 5/20 for MODE
 * SENSE, MODE SELECT, READ DISC STRUCTURE and GET CONFIGURATION. RECOVERED ERROR (key 1) gives
 * S_OK: the command's effect happened. NO SENSE (key 0) under CHECK CONDITION is not in the table
 * and falls to the last row (docs/decisions.md, "Errors and sense").
 */
export function hrFromSenseCodes(key: number, asc: number, ascq: number, opcode?: number): HResult {
  switch (key) {
    case SenseKey.RECOVERED_ERROR:
      return HR.S_OK;
    case SenseKey.NOT_READY:
      if (asc === 0x04) {
        // LOGICAL UNIT NOT READY, by cause
        if (ascq === 0x01) return HR.E_IMAPI_RECORDER_MEDIA_BECOMING_READY;
        if (ascq === 0x04) return HR.E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS;
        if (ascq === 0x07 || ascq === 0x08) return HR.E_IMAPI_RECORDER_MEDIA_BUSY;
        return HR.E_IMAPI_RECORDER_MEDIA_BECOMING_READY;
      }
      if (asc === 0x3a) return HR.E_IMAPI_RECORDER_MEDIA_NO_MEDIA; // MEDIUM NOT PRESENT
      if (asc === 0x30) return HR.E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE; // INCOMPATIBLE MEDIUM
      break;
    case SenseKey.MEDIUM_ERROR:
      if (asc === 0x0c && ascq === 0x09) return HR.E_IMAPI_LOSS_OF_STREAMING;
      return HR.E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE;
    case SenseKey.HARDWARE_ERROR:
      return HR.E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE;
    case SenseKey.ILLEGAL_REQUEST:
      if (asc === 0x30) return HR.E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE;
      // LOGICAL BLOCK ADDRESS OUT OF RANGE, INVALID ADDRESS FOR WRITE
      if (asc === 0x21 && (ascq === 0x00 || ascq === 0x02)) return HR.ERROR_INVALID_ADDRESS;
      if (asc === 0x24 && ascq === 0x00) {
        // INVALID FIELD IN CDB
        if (opcode === Opcode.MODE_SENSE_10) return HR.E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE;
        if (opcode === Opcode.READ_DISC_STRUCTURE) {
          return HR.E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT;
        }
        return HR.E_INVALIDARG;
      }
      if (asc === 0x26) {
        // INVALID FIELD IN PARAMETER LIST
        return opcode === Opcode.MODE_SELECT_10
          ? HR.E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS
          : HR.E_INVALIDARG;
      }
      if (asc === 0x64 && ascq === 0x00) return HR.E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS;
      if (asc === 0x20 && ascq === 0x00) {
        // INVALID COMMAND OPERATION CODE
        return opcode === Opcode.GET_CONFIGURATION
          ? HR.E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED
          : HR.E_NOTIMPL;
      }
      break;
    case SenseKey.UNIT_ATTENTION:
      if (asc === 0x28 && ascq === 0x00) return HR.E_IMAPI_RECORDER_MEDIA_BECOMING_READY;
      if (asc === 0x29) return HR.ERROR_IO_DEVICE; // POWER ON, RESET, OR BUS DEVICE RESET
      break;
    case SenseKey.DATA_PROTECT:
      if (asc === 0x27) return HR.E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED; // WRITE PROTECTED
      break;
    default:
      break;
  }
  return HR.E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE;
}

/**
 * The HRESULT for sense returned with CHECK CONDITION (spec §7), fixed or descriptor format,
 * current or deferred alike. `opcode` is the failed command's, for the MODE SENSE, MODE SELECT,
 * READ DISC STRUCTURE and GET CONFIGURATION refinements. Unusable sense (empty, response code
 * outside 70h..73h, no sense key) gives E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE (§4.5).
 */
export function hrFromSense(sense: Uint8Array, opcode?: number): HResult {
  let d: DecodedSense;
  try {
    d = decodeSense(sense);
  } catch (e) {
    if (e instanceof MalformedDataError) return HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
    throw e;
  }
  return hrFromSenseCodes(d.senseKey, d.asc, d.ascq, opcode);
}
