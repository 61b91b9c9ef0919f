// Turning a completed SG_IO (the [o] members of sg_io_hdr) into a ScsiResult or a transport
// DwError (spec §4.7). Pure. The transport never parses sense: CHECK CONDITION with sense is a
// result and the bytes pass through untouched; the recorder maps them.

import type { ScsiCommand, ScsiResult } from '../../scsi/command.js';
import { ScsiStatus } from '../../scsi/command.js';
import { DwError, HR } from '../../errors.js';
import { TransportErrors } from '../transport.js';
import { SgInfo, type SgIoReply } from './sg-io-hdr.js';

/** sg_io_hdr.host_status: the Linux SCSI midlayer's host byte (DID_*). */
export const HostStatus = {
  DID_OK: 0x00,
  DID_NO_CONNECT: 0x01,
  DID_BUS_BUSY: 0x02,
  DID_TIME_OUT: 0x03,
  DID_BAD_TARGET: 0x04,
  DID_ABORT: 0x05,
  DID_PARITY: 0x06,
  DID_ERROR: 0x07,
  DID_RESET: 0x08,
  DID_BAD_INTR: 0x09,
  DID_PASSTHROUGH: 0x0a,
  DID_SOFT_ERROR: 0x0b,
  DID_IMM_RETRY: 0x0c,
  DID_REQUEUE: 0x0d,
  DID_TRANSPORT_DISRUPTED: 0x0e,
  DID_TRANSPORT_FAILFAST: 0x0f,
  DID_TARGET_FAILURE: 0x10,
  DID_NEXUS_FAILURE: 0x11,
  DID_ALLOC_FAILURE: 0x12,
  DID_MEDIUM_ERROR: 0x13,
  DID_TRANSPORT_MARGINAL: 0x14,
} as const;

/** sg_io_hdr.driver_status: low nibble DRIVER_*, DRIVER_SENSE flag, high nibble SUGGEST_*. */
export const DriverStatus = {
  DRIVER_OK: 0x00,
  DRIVER_BUSY: 0x01,
  DRIVER_SOFT: 0x02,
  DRIVER_MEDIA: 0x03,
  DRIVER_ERROR: 0x04,
  DRIVER_INVALID: 0x05,
  DRIVER_TIMEOUT: 0x06,
  DRIVER_HARD: 0x07,
  DRIVER_SENSE: 0x08,
  DRIVER_MASK: 0x0f,
  SUGGEST_MASK: 0xf0,
} as const;

const hostNames = new Map<number, string>(Object.entries(HostStatus).map(([k, v]) => [v, k]));
const driverNames = new Map<number, string>(
  Object.entries(DriverStatus)
    .filter(([k]) => !k.endsWith('_MASK'))
    .map(([k, v]) => [v, k]),
);

/** `DID_TIME_OUT` style name of a host_status value. */
export function hostStatusName(value: number): string {
  return hostNames.get(value) ?? `DID_0x${value.toString(16).padStart(2, '0')}`;
}

/** `DRIVER_TIMEOUT` style name of driver_status (without the DRIVER_SENSE flag). */
export function driverStatusName(value: number): string {
  const base = value & 0x07;
  return driverNames.get(base) ?? `DRIVER_0x${base.toString(16)}`;
}

export interface SgCompletion {
  readonly command: ScsiCommand;
  /** The reply members of the header the kernel filled in. */
  readonly reply: SgIoReply;
  /** dxfer_len as sent. */
  readonly dxferLen: number;
  /** The data-in buffer handed to the kernel (dxfer_len bytes), for data-in commands. */
  readonly dataBuffer?: Uint8Array;
  /** The sense buffer handed to the kernel (mx_sb_len bytes). */
  readonly senseBuffer: Uint8Array;
  /** The timeout the command was sent with, for the error message. */
  readonly timeoutMs: number;
  /** The device node, for error messages. */
  readonly path: string;
}

export type SgOutcome =
  | { readonly ok: true; readonly result: ScsiResult }
  | { readonly ok: false; readonly error: DwError };

/**
 * Decide what a completed SG_IO means. Order matters: a CHECK CONDITION that came with sense is a
 * device answer even when the host or driver byte is also set (USB bridges often add DID_ERROR
 * to a perfectly good sense reply), so sense wins; only then do host and driver errors become
 * transport failures; every remaining SCSI status (GOOD, BUSY, RESERVATION CONFLICT, CHECK
 * CONDITION without sense …) is a result for the recorder to judge.
 */
export function decodeSgCompletion(c: SgCompletion): SgOutcome {
  const { reply, command } = c;
  const senseLength = Math.min(reply.sbLenWr, c.senseBuffer.length);
  const driverBase = reply.driverStatus & DriverStatus.DRIVER_MASK & ~DriverStatus.DRIVER_SENSE;
  const sensePresent =
    senseLength > 0 &&
    (reply.status === ScsiStatus.CHECK_CONDITION ||
      (reply.driverStatus & DriverStatus.DRIVER_SENSE) !== 0);

  const residual = Math.min(Math.max(reply.resid, 0), c.dxferLen);
  const transferred = c.dxferLen - residual;
  const result = (status: number): SgOutcome => ({
    ok: true,
    result: {
      status,
      sense: c.senseBuffer.slice(0, sensePresent ? senseLength : 0),
      dataIn:
        command.direction === 'in' && c.dataBuffer !== undefined
          ? c.dataBuffer.subarray(0, transferred)
          : new Uint8Array(0),
      residual,
    },
  });

  if (sensePresent) return result(ScsiStatus.CHECK_CONDITION);

  if ((reply.info & SgInfo.SG_INFO_OK_MASK) === SgInfo.SG_INFO_OK && reply.hostStatus === 0) {
    if (driverBase === DriverStatus.DRIVER_OK) return result(reply.status);
  }

  const where = `${command.name} on ${c.path}`;
  switch (reply.hostStatus) {
    case HostStatus.DID_OK:
      break;
    case HostStatus.DID_TIME_OUT:
      return { ok: false, error: TransportErrors.timeout(command, c.timeoutMs) };
    case HostStatus.DID_NO_CONNECT:
    case HostStatus.DID_BAD_TARGET:
    case HostStatus.DID_TRANSPORT_FAILFAST:
      return {
        ok: false,
        error: TransportErrors.deviceGone(
          `${where}: ${hostStatusName(reply.hostStatus)} (the drive was disconnected or removed)`,
        ),
      };
    case HostStatus.DID_ALLOC_FAILURE:
      return {
        ok: false,
        error: new DwError(HR.E_OUTOFMEMORY, {
          message: `${where}: the kernel could not allocate memory for the command (DID_ALLOC_FAILURE)`,
          command: command.name,
          cdb: command.cdb,
        }),
      };
    default:
      return {
        ok: false,
        error: withCommand(
          TransportErrors.io(
            `${where}: host status ${hostStatusName(reply.hostStatus)}` +
              (reply.hostStatus === HostStatus.DID_RESET ? ' (bus or device reset)' : ''),
          ),
          command,
        ),
      };
  }

  if (driverBase === DriverStatus.DRIVER_TIMEOUT) {
    return { ok: false, error: TransportErrors.timeout(command, c.timeoutMs) };
  }
  if (driverBase !== DriverStatus.DRIVER_OK) {
    return {
      ok: false,
      error: withCommand(
        TransportErrors.io(`${where}: driver status ${driverStatusName(reply.driverStatus)}`),
        command,
      ),
    };
  }
  // info said "check" but every byte is clean except the SCSI status: a device answer.
  return result(reply.status);
}

function withCommand(e: DwError, command: ScsiCommand): DwError {
  return new DwError(e.hr, {
    message: e.message,
    command: command.name,
    cdb: command.cdb,
  });
}
