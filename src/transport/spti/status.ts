// Win32 errors from CreateFileW / DeviceIoControl, and a completed SCSI_PASS_THROUGH_DIRECT, as
// a ScsiResult or a transport DwError (spec §4.7). The meaning of some codes depends on the call:
// the CD-ROM class driver's exclusive-access lock reuses ERROR_ACCESS_DENIED and
// ERROR_BAD_COMMAND (STATUS_INVALID_DEVICE_STATE) for "held elsewhere" and "file system mounted".
// Pure.

import type { ScsiCommand, ScsiResult } from '../../scsi/command.js';
import { ScsiStatus } from '../../scsi/command.js';
import { DwError, HR, type HResult } from '../../errors.js';
import type { SptdReply } from './layout.js';

/** The Win32 error codes this transport tells apart (winerror.h). */
export const Win32Error = {
  ERROR_INVALID_FUNCTION: 1,
  ERROR_FILE_NOT_FOUND: 2,
  ERROR_PATH_NOT_FOUND: 3,
  ERROR_ACCESS_DENIED: 5,
  ERROR_INVALID_HANDLE: 6,
  ERROR_NOT_ENOUGH_MEMORY: 8,
  ERROR_OUTOFMEMORY: 14,
  ERROR_NOT_READY: 21,
  ERROR_BAD_COMMAND: 22,
  ERROR_CRC: 23,
  ERROR_BAD_LENGTH: 24,
  ERROR_GEN_FAILURE: 31,
  ERROR_SHARING_VIOLATION: 32,
  ERROR_LOCK_VIOLATION: 33,
  ERROR_NOT_SUPPORTED: 50,
  ERROR_DEV_NOT_EXIST: 55,
  ERROR_INVALID_PARAMETER: 87,
  ERROR_SEM_TIMEOUT: 121,
  ERROR_INSUFFICIENT_BUFFER: 122,
  ERROR_BUSY: 170,
  ERROR_MORE_DATA: 234,
  ERROR_NO_SUCH_DEVICE: 433,
  ERROR_OPERATION_ABORTED: 995,
  ERROR_IO_DEVICE: 1117,
  ERROR_DEVICE_NOT_CONNECTED: 1167,
  ERROR_NOT_FOUND: 1168,
  ERROR_NO_SYSTEM_RESOURCES: 1450,
  ERROR_TIMEOUT: 1460,
  ERROR_DEVICE_REMOVED: 1617,
  ERROR_INVALID_USER_BUFFER: 1784,
} as const;

const names = new Map<number, string>(Object.entries(Win32Error).map(([k, v]) => [v, k]));

export function win32ErrorName(code: number): string {
  return names.get(code) ?? `Win32 error ${code}`;
}

export interface Win32Context {
  /** open: CreateFileW; ioctl: a pass-through or query; lock: the CD-ROM exclusive-access lock. */
  readonly op: 'open' | 'ioctl' | 'lock';
  /** `\\.\CdRom0`, `D:`. */
  readonly path: string;
  readonly command?: ScsiCommand;
  readonly timeoutMs?: number;
}

function mapping(code: number, ctx: Win32Context): { hr: HResult; text: string; hint?: string } {
  const what = ctx.command?.name ?? 'the request';
  switch (code) {
    case Win32Error.ERROR_ACCESS_DENIED:
      // The CD-ROM class driver answers STATUS_ACCESS_DENIED to a lock request while another
      // handle holds the lock, and to most requests of every other handle meanwhile.
      if (ctx.op === 'lock') {
        return {
          hr: HR.E_IMAPI_RECORDER_LOCKED,
          text: `exclusive access to ${ctx.path} is held by another program`,
        };
      }
      if (ctx.op === 'ioctl') {
        return {
          hr: HR.E_IMAPI_RECORDER_LOCKED,
          text: `${ctx.path} refused ${what}: another program holds exclusive access to the drive`,
          hint: 'Close the other burning program or wait until it has finished, then retry.',
        };
      }
      return {
        hr: HR.E_ACCESSDENIED,
        text: `access to ${ctx.path} was denied`,
        hint:
          'Opening a drive for SCSI commands needs administrator rights on most systems: run ' +
          'discwright from an elevated prompt.',
      };
    case Win32Error.ERROR_BAD_COMMAND:
      // STATUS_INVALID_DEVICE_STATE. From the lock request it means a file system is mounted on
      // the disc; from anything else, that the driver is stopping the device.
      if (ctx.op === 'lock') {
        return {
          hr: HR.E_ACCESSDENIED,
          text:
            `a file system on the disc in ${ctx.path} is mounted; the CD-ROM driver grants ` +
            'exclusive access only while none is',
          hint: 'Close programs and Explorer windows that use the disc, or force exclusive access.',
        };
      }
      return {
        hr: HR.ERROR_IO_DEVICE,
        text: `the CD-ROM driver refused ${what} on ${ctx.path} because the device is not in a state to accept it (stopping, disabled or being removed)`,
        hint: 'Check in Device Manager that the drive is enabled and connected; replug it if it is.',
      };
    case Win32Error.ERROR_MORE_DATA:
      return {
        hr: HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
        text: `the reply to ${what} from ${ctx.path} is longer than the buffer it was given`,
        hint: 'Please report this with the drive model: discwright expected the reply to fit.',
      };
    case Win32Error.ERROR_INVALID_USER_BUFFER:
      return {
        hr: HR.E_INVALIDARG,
        text: `Windows refused the data buffer of ${what} on ${ctx.path} (misaligned for the adapter, or more pages than it can map)`,
        hint:
          'Nothing was sent to the drive. Use a transfer within the recorder maximum transfer ' +
          'size; if it already is, please report this with the output of `discwright info`.',
      };
    case Win32Error.ERROR_OPERATION_ABORTED:
      return { hr: HR.E_IMAPI_REQUEST_CANCELLED, text: `${what} on ${ctx.path} was cancelled` };
    case Win32Error.ERROR_SHARING_VIOLATION:
    case Win32Error.ERROR_LOCK_VIOLATION:
    case Win32Error.ERROR_BUSY:
      return {
        hr: HR.E_IMAPI_RECORDER_LOCKED,
        text: `${ctx.path} is in use by another program`,
      };
    case Win32Error.ERROR_FILE_NOT_FOUND:
    case Win32Error.ERROR_PATH_NOT_FOUND:
      return {
        hr: HR.ERROR_DEV_NOT_EXIST,
        text: `no such drive: ${ctx.path}`,
        hint: 'Check the drive letter; `discwright devices` lists the drives this machine has.',
      };
    case Win32Error.ERROR_DEV_NOT_EXIST:
    case Win32Error.ERROR_NO_SUCH_DEVICE:
    case Win32Error.ERROR_DEVICE_NOT_CONNECTED:
    case Win32Error.ERROR_DEVICE_REMOVED:
      return {
        hr: HR.ERROR_DEV_NOT_EXIST,
        text:
          ctx.op === 'ioctl'
            ? `${ctx.path} vanished during ${what} (unplugged or reset)`
            : `${ctx.path} is not connected`,
      };
    case Win32Error.ERROR_INVALID_FUNCTION:
    case Win32Error.ERROR_NOT_SUPPORTED:
      return {
        hr: HR.E_INVALIDARG,
        text: `${ctx.path} is not a SCSI device (it does not accept SCSI pass-through)`,
        hint: 'Use an optical drive letter (D:) or \\\\.\\CdRomN; `discwright devices` lists them.',
      };
    case Win32Error.ERROR_INVALID_PARAMETER:
    case Win32Error.ERROR_INSUFFICIENT_BUFFER:
    case Win32Error.ERROR_BAD_LENGTH:
      return {
        hr: HR.E_INVALIDARG,
        text: `Windows rejected ${what} on ${ctx.path} as malformed or too large`,
        hint: 'Use a smaller transfer (see the recorder maximum transfer size).',
      };
    case Win32Error.ERROR_SEM_TIMEOUT:
    case Win32Error.ERROR_TIMEOUT:
      return {
        hr: HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT,
        text:
          `${what} on ${ctx.path} did not complete` +
          (ctx.timeoutMs === undefined ? '' : ` within ${ctx.timeoutMs} ms`),
      };
    case Win32Error.ERROR_NOT_ENOUGH_MEMORY:
    case Win32Error.ERROR_OUTOFMEMORY:
    case Win32Error.ERROR_NO_SYSTEM_RESOURCES:
      return { hr: HR.E_OUTOFMEMORY, text: `out of memory issuing ${what} to ${ctx.path}` };
    case Win32Error.ERROR_INVALID_HANDLE:
      return { hr: HR.ERROR_INVALID_HANDLE, text: `the handle for ${ctx.path} is closed` };
    case Win32Error.ERROR_NOT_READY:
      return {
        hr: HR.ERROR_IO_DEVICE,
        text: `${ctx.path} is not ready (the port driver refused ${what})`,
      };
    default:
      return { hr: HR.ERROR_IO_DEVICE, text: `I/O error during ${ctx.op} on ${ctx.path}` };
  }
}

/** The DwError for Win32 error `code` met during `ctx.op`. */
export function win32Error(code: number, ctx: Win32Context, cause?: unknown): DwError {
  const m = mapping(code, ctx);
  return new DwError(m.hr, {
    message: `${m.text} [${win32ErrorName(code)}]`,
    ...(m.hint === undefined ? {} : { hint: m.hint }),
    ...(ctx.command === undefined ? {} : { command: ctx.command.name, cdb: ctx.command.cdb }),
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * A pass-through that DeviceIoControl accepted, as a result. The port driver reports the SCSI
 * status, the bytes actually moved (DataTransferLength, updated in place) and the sense length.
 * `readData(n)` copies the first n bytes of the data buffer; it is called for data-in only, and
 * never for more than was both requested and reported moved.
 */
export function sptdResult(
  command: ScsiCommand,
  reply: SptdReply,
  requestedLength: number,
  readData: ((length: number) => Uint8Array) | undefined,
): ScsiResult {
  const transferred = Math.min(reply.dataTransferLength, requestedLength);
  const withSense = reply.scsiStatus === ScsiStatus.CHECK_CONDITION && reply.sense.length > 0;
  return {
    status: reply.scsiStatus,
    sense: withSense ? reply.sense : new Uint8Array(0),
    dataIn:
      command.direction === 'in' && readData !== undefined && transferred > 0
        ? readData(transferred)
        : new Uint8Array(0),
    residual: requestedLength - transferred,
  };
}

/** SPTD TimeOutValue (whole seconds, at least 1) for a timeout in ms. */
export function sptdTimeoutSeconds(timeoutMs: number): number {
  return Math.min(Math.max(1, Math.ceil(timeoutMs / 1000)), 0xffffffff);
}
