// The Transport interface: how every layer above reaches a SCSI device (spec §0, §4.7). One
// interface, three implementations: sgio/ (Linux SG_IO), iscsi/ (RFC 7143 initiator) and
// emulated/ (the virtual drive). The contract below is normative; the virtual drive enforces it.

import type { ScsiCommand, ScsiResult } from '../scsi/command.js';
import { DwError, HR, type HResult } from '../errors.js';

export type { ScsiCommand, ScsiResult } from '../scsi/command.js';

export interface ExecuteOptions {
  /** Aborting cancels the command if the transport can (iSCSI ABORT TASK); the promise then
   *  rejects with E_IMAPI_REQUEST_CANCELLED. A command the device already completed is not undone. */
  readonly signal?: AbortSignal;
  /** Per-command timeout. On expiry the promise rejects with E_IMAPI_RECORDER_COMMAND_TIMEOUT. */
  readonly timeoutMs?: number;
}

/** Platform limits reported to the recorder (IDiscRecorder2Ex transfer-size and alignment). */
export interface TransportLimits {
  /** Largest transfer from a page-aligned buffer, bytes. */
  readonly maxPageAlignedTransferBytes: number;
  /** Largest transfer from an arbitrary buffer, bytes. */
  readonly maxNonPageAlignedTransferBytes: number;
  /**
   * The transfer this path moves best, bytes (beyond IMAPI2): the write engine's WRITE size when
   * its maxTransferSize is not set (docs/decisions.md, "Transfer size from the path"). iSCSI: the
   * negotiated MaxBurstLength. Absent: 64 KiB, IMAPI2's.
   */
  readonly preferredTransferBytes?: number;
  /** Required buffer alignment (a power of two, bytes; 1 = none). */
  readonly alignment: number;
  /** e.g. `virtual`, `iscsi`, `usb`, `sata`. */
  readonly busType: string;
}

/** Where the device lives, for IDiscRecorder2 identity members and the adapter/device descriptors. */
export interface PlatformInfo {
  /** Platform node or volume name (`/dev/sr0`, `\\?\Volume{…}\`, the iSCSI address). */
  readonly volumeName: string;
  /** Current mount points or drive letters. */
  readonly volumePathNames: readonly string[];
  /** N in `/dev/srN`, `\\.\CdRomN`; -1 when there is none. */
  readonly legacyDeviceNumber: number;
}

/**
 * OS-level exclusive access (IDiscRecorder2::AcquireExclusiveAccess, spec §4.2). Optional: a
 * transport without it leaves the recorder to keep only its own reference count.
 */
export interface ExclusiveAccessHooks {
  /** Take the OS-level lock. Held elsewhere → E_IMAPI_RECORDER_LOCKED / E_ACCESSDENIED. */
  acquire(force: boolean, clientName: string): Promise<void>;
  release(): Promise<void>;
  /** Client name of the current holder, '' when none. */
  owner(): Promise<string>;
}

/** How a transport that kept a command's data-out gives it back (HeldWriteCapability). */
export interface DataOutHold {
  /** The transport no longer reads the bytes; they are the caller's again. */
  release(): void;
}

/** What `executeHeld` resolves with. */
export interface HeldWriteResult {
  /** What the device answered, as `execute` resolves with it. */
  readonly result: ScsiResult;
  /** The transport kept `dataOut` and calls `hold.release()` later. */
  readonly held: boolean;
}

/**
 * Held writes (the zero-copy hand-off, docs/decisions.md "Performance"): the transport may keep
 * reading a command's data-out after the command completed, as a drive's write cache holds data
 * it accepted, so the caller's buffer need not be copied. Optional, declared once as
 * `Transport.heldWrites`: only the image-backed virtual drive has it; SG_IO, SPTI and iSCSI are
 * done with the bytes when the command settles.
 *
 * Contract:
 * - `executeHeld` is `execute` with an offer: the same rules (one command in flight across both
 *   methods, timeout, abort, the same rejections, 0x80070006 once closed), and `hold` lets the
 *   transport keep `command.dataOut` past completion.
 * - `held: true` only with GOOD status. The transport then calls `hold.release()` exactly once,
 *   on every path: the bytes written, their writing failed, the transport closed. It may do so
 *   before the promise settles. Until then the caller does not change the bytes.
 * - `held: false`, CHECK CONDITION or a rejection: the bytes are the caller's again once the
 *   promise settled, and `release()` is never called.
 */
export interface HeldWriteCapability {
  executeHeld(
    command: ScsiCommand,
    hold: DataOutHold,
    options?: ExecuteOptions,
  ): Promise<HeldWriteResult>;
}

/**
 * Queued writes (several WRITEs in flight, docs/decisions.md "Queued writes"): a transport whose
 * device takes more than one command at a time (an iSCSI target; never SG_IO or SPTI, whose
 * drives do not queue) declares how many, and takes data-out commands beside each other with the
 * ORDERED task attribute, so the device applies them in the order they were sent.
 *
 * Contract:
 * - `depth` is how many queued commands the transport takes at once now (>= 1). It may drop
 *   while a write runs (the target answered TASK SET FULL or BUSY, or its command window shrank:
 *   the fallback to one in flight); a caller reads it before each send and never exceeds it.
 * - `executeQueued` is `execute` for a data-out command with these differences: several may be
 *   in flight at once, up to `depth`; they reach the device in call order; `execute` may run
 *   beside them. Results and rejections are those of `execute`; each command settles on its own,
 *   in any order.
 * - `abortQueued` aborts every queued command still in flight (ABORT TASK SET, or ABORT TASK
 *   per command) and resolves once each of them has settled; those not yet settled reject with
 *   E_IMAPI_REQUEST_CANCELLED. What they did on the device before the abort is unknown to the
 *   caller: it counts only what it saw acknowledged, in order.
 */
export interface QueuedWriteCapability {
  readonly depth: number;
  executeQueued(command: ScsiCommand, options?: ExecuteOptions): Promise<ScsiResult>;
  abortQueued(): Promise<void>;
}

/**
 * A connection to one SCSI logical unit.
 *
 * Contract:
 * - `execute` sends one command and resolves with what the device answered. GOOD and CHECK
 *   CONDITION (with its sense bytes) are both *results*; the caller decides what they mean.
 * - It rejects only for transport failures, always with a DwError:
 *   the device vanished → 0x80070037 (ERROR_DEV_NOT_EXIST); timeout → 0xC0AA020D;
 *   aborted → 0xC0AA0002; closed transport → 0x80070006; other I/O failure → 0x8007045D.
 *   The device broke its protocol (TransportErrors.protocolViolation) → 0xC0AA02FF, not retried.
 *   A failure that waiting cannot mend (a full or read-only image, a dead writer thread) is built
 *   with `TransportErrors.permanent`, so the engine does not retry it (src/device/sense-policy.ts).
 * - One command in flight: calling `execute` before the previous promise settled is a contract
 *   violation and rejects at once with E_FAIL without touching the device. (The recorder queues.)
 *   Only a transport with `queuedWrites` takes more, through `executeQueued`.
 * - Data-in results hold exactly the bytes received (never more than allocationLength), and
 *   only bytes that arrived: never a hole filled with zeros. `residual` is allocationLength minus
 *   that. For data-out, `residual` is the data-out length minus the bytes the device took, as
 *   counted by the transport (never more than it sent), not as the device claims.
 * - `close` is idempotent; afterwards `execute` rejects with 0x80070006.
 * - `dataOut` belongs to the caller again once the command settles (a transport with
 *   `heldWrites` may keep it longer only when offered a hold: HeldWriteCapability).
 */
export interface Transport {
  /** The address the transport was opened with (`virtual:dvd+r`, `iscsi://…`, `/dev/sg1`). */
  readonly address: string;
  execute(command: ScsiCommand, options?: ExecuteOptions): Promise<ScsiResult>;
  limits(): TransportLimits;
  close(): Promise<void>;
  /** Optional platform identity (defaults: volumeName = address, no paths, device number -1). */
  platform?(): PlatformInfo;
  /** Optional OS-level exclusive access. */
  readonly exclusiveAccess?: ExclusiveAccessHooks;
  /** Optional held writes: keeping WRITE data past completion instead of copying it. */
  readonly heldWrites?: HeldWriteCapability;
  /** Optional queued writes: several data-out commands in flight, ORDERED. */
  readonly queuedWrites?: QueuedWriteCapability;
  /** Optional media-change-notification suppression (automount / polling); best effort. */
  setMediaChangeNotification?(enabled: boolean): Promise<void>;
}

/** What to do when the device broke its protocol: nothing on this side can mend it. */
export const PROTOCOL_VIOLATION_HINT =
  'The target (or bridge) answered against its protocol; nothing was retried. Check the target software and its logs, or report the target model.';

/** The errors a transport rejects with (spec §4.7). */
export const TransportErrors = {
  deviceGone(detail: string, cause?: unknown): DwError {
    return new DwError(HR.ERROR_DEV_NOT_EXIST, {
      message: `device not available: ${detail}`,
      ...(cause === undefined ? {} : { cause }),
    });
  },
  timeout(command: ScsiCommand, timeoutMs: number): DwError {
    return new DwError(HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT, {
      message: `${command.name} did not complete within ${timeoutMs} ms`,
      command: command.name,
      cdb: command.cdb,
    });
  },
  aborted(command: ScsiCommand): DwError {
    return new DwError(HR.E_IMAPI_REQUEST_CANCELLED, {
      message: `${command.name} was aborted`,
      command: command.name,
      cdb: command.cdb,
    });
  },
  closed(address: string): DwError {
    return new DwError(HR.ERROR_INVALID_HANDLE, { message: `transport ${address} is closed` });
  },
  overlapped(command: ScsiCommand): DwError {
    return new DwError(HR.E_FAIL, {
      message: `transport contract violated: ${command.name} issued while another command is in flight`,
      command: command.name,
    });
  },
  io(detail: string, cause?: unknown): DwError {
    return new DwError(HR.ERROR_IO_DEVICE, {
      message: `I/O error: ${detail}`,
      ...(cause === undefined ? {} : { cause }),
    });
  },
  /**
   * The device (an iSCSI target, a bridge) broke its protocol: sent a PDU it must not send, data
   * outside the transfer, a count that contradicts what was sent or received. The command fails
   * at once and is never retried (docs/iscsi.md, "What the initiator checks and refuses").
   */
  protocolViolation(detail: string, cause?: unknown): DwError {
    return new DwError(HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, {
      message: `protocol violation: ${detail}`,
      hint: PROTOCOL_VIOLATION_HINT,
      retryable: false,
      ...(cause === undefined ? {} : { cause }),
    });
  },
  /** A failure waiting cannot mend, with its own HRESULT (e.g. ERROR_DISK_FULL): never retried. */
  permanent(hr: HResult, detail: string, cause?: unknown): DwError {
    return new DwError(hr, {
      message: detail,
      retryable: false,
      ...(cause === undefined ? {} : { cause }),
    });
  },
} as const;
