// Win32 errors from CreateFileW / DeviceIoControl, and a completed SCSI_PASS_THROUGH_DIRECT, as
// a ScsiResult or a transport DwError (spec §4.7). Pure.

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
  ERROR_CRC: 23,
  ERROR_GEN_FAILURE: 31,
  ERROR_SHARING_VIOLATION: 32,
  ERROR_LOCK_VIOLATION: 33,
  ERROR_NOT_SUPPORTED: 50,
  ERROR_DEV_NOT_EXIST: 55,
  ERROR_INVALID_PARAMETER: 87,
  ERROR_SEM_TIMEOUT: 121,
  ERROR_INSUFFICIENT_BUFFER: 122,
  ERROR_BUSY: 170,
  ERROR_NO_SUCH_DEVICE: 433,
  ERROR_IO_DEVICE: 1117,
  ERROR_DEVICE_NOT_CONNECTED: 1167,
  ERROR_NO_SYSTEM_RESOURCES: 1450,
  ERROR_TIMEOUT: 1460,
  ERROR_DEVICE_REMOVED: 1617,
} as const;

const names = new Map<number, string>(Object.entries(Win32Error).map(([k, v]) => [v, k]));

export function win32ErrorName(code: number): string {
  return names.get(code) ?? `Win32 error ${code}`;
}

export interface Win32Context {
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
      return {
        hr: HR.E_ACCESSDENIED,
        text: `access to ${ctx.path} was denied`,
        hint:
          'Windows lets only administrators send SCSI commands to a drive: run discwright from ' +
          'an elevated prompt. Another program holding exclusive access gives the same error.',
      };
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
 */
export function sptdResult(
  command: ScsiCommand,
  reply: SptdReply,
  requestedLength: number,
  dataBuffer: Uint8Array | undefined,
): ScsiResult {
  const transferred = Math.min(reply.dataTransferLength, requestedLength);
  const withSense = reply.scsiStatus === ScsiStatus.CHECK_CONDITION && reply.sense.length > 0;
  return {
    status: reply.scsiStatus,
    sense: withSense ? reply.sense : new Uint8Array(0),
    dataIn:
      command.direction === 'in' && dataBuffer !== undefined
        ? dataBuffer.slice(0, transferred)
        : new Uint8Array(0),
    residual: requestedLength - transferred,
  };
}

/** SPTD TimeOutValue (whole seconds, at least 1) for a timeout in ms. */
export function sptdTimeoutSeconds(timeoutMs: number): number {
  return Math.min(Math.max(1, Math.ceil(timeoutMs / 1000)), 0xffffffff);
}
