// The virtual drive: a Transport that answers SCSI commands the way an MMC recorder with real
// media does (docs/virtual-drive.md). This module enforces the transport contract (one command
// in flight, closed transport, timeout and abort on the drive's clock, transfer limits), hands
// each command to its handler (commands/dispatch.ts), turns CheckCondition into status and
// sense, and records every command in the log (command-log.ts).

import type {
  DataOutHold,
  ExclusiveAccessHooks,
  ExecuteOptions,
  HeldWriteCapability,
  HeldWriteResult,
  PlatformInfo,
  ScsiCommand,
  ScsiResult,
  Transport,
  TransportLimits,
} from '../transport.js';
import { TransportErrors } from '../transport.js';
import { systemClock, type Clock } from '../clock.js';
import { ScsiStatus } from '../../scsi/command.js';
import { opcodeName } from '../../scsi/opcodes.js';
import { encodeDescriptorSense, encodeFixedSense } from '../../scsi/sense-encode.js';
import { DwError, HR } from '../../errors.js';
import { parseVirtualAddress, type VirtualDriveOptions } from './address.js';
import { CheckCondition, type SenseCode } from './check.js';
import { LoggedCommand, trimLog } from './command-log.js';
import { dispatch } from './commands/dispatch.js';
import type { Exchange } from './commands/exchange.js';
import { VirtualDriveControl } from './control.js';
import { DriveCore } from './core.js';
import { virtualExclusiveAccess } from './exclusive.js';
import type { Faults } from './faults.js';
import type { ImageWriteFault } from './image/image-writer.js';
import { imageFileError } from './image/image-errors.js';

/** How a virtual drive is opened, besides its address. */
export interface OpenVirtualDriveOptions {
  /** The drive's clock (default: the system clock); a VirtualClock paces without sleeping. */
  readonly clock?: Clock;
  /**
   * Image-backed: the file system under the image takes `afterBytes` bytes of data, then refuses
   * every write with the error `code` (`ENOSPC`, `EROFS`, …), to test what a burner reports when
   * the image cannot be written.
   */
  readonly imageWriteFault?: ImageWriteFault;
  /**
   * Image-backed: closing the image file fails with this errno name (`EIO`, …) after the drive
   * wrote out its cache and layout, as close(2) does on a network file system whose deferred
   * write-back failed; to test that a program reports a failed close.
   */
  readonly imageCloseFault?: string;
  /**
   * Open for inspection and reading only (what `discwright info` and `read` do): the image is
   * opened O_RDONLY and never created (a missing one is STG_E_FILENOTFOUND), nothing is written
   * to it or its sidecar, and commands that would record (WRITE, BLANK, FORMAT UNIT, RESERVE
   * TRACK, CLOSE TRACK/SESSION, SEND DISC STRUCTURE) are refused with E_ACCESSDENIED.
   */
  readonly readOnly?: boolean;
}

const EMPTY = new Uint8Array(0);

/** What a command resolves with, from the device's answer and whether the store kept the data. */
type Outcome<R> = (result: ScsiResult, held: boolean) => R;
const plainResult: Outcome<ScsiResult> = (result) => result;
const heldResult: Outcome<HeldWriteResult> = (result, held) => ({ result, held });

/** One command's view for the handlers (commands/): the command, faults, and the drive's clock. */
class CommandExchange implements Exchange {
  decoder: ((cdb: Uint8Array) => unknown) | undefined = undefined;
  /** The command's data-out may be kept by the store (held writes; DataOutKeeper). */
  readonly hold: DataOutHold | undefined;
  kept = false;
  readonly #deadline: number;
  readonly #clock: Clock;
  readonly #options: ExecuteOptions;

  constructor(
    clock: Clock,
    readonly faults: Faults,
    readonly command: ScsiCommand,
    options: ExecuteOptions,
    readonly start: number,
    hold: DataOutHold | undefined,
  ) {
    this.#clock = clock;
    this.#options = options;
    this.#deadline = options.timeoutMs === undefined ? Infinity : start + options.timeoutMs;
    this.hold = hold;
  }

  /** Sleeps on the drive's clock; past the command's deadline it times out, an abort cancels. */
  async wait(ms: number): Promise<void> {
    if (!(ms > 0)) return;
    const now = this.#clock.now();
    const timedOut = now + ms > this.#deadline;
    try {
      await this.#clock.sleep(
        timedOut ? Math.max(0, this.#deadline - now) : ms,
        this.#options.signal,
      );
    } catch (e) {
      if (e instanceof DwError && e.hr === HR.E_IMAPI_REQUEST_CANCELLED) {
        throw TransportErrors.aborted(this.command);
      }
      throw e;
    }
    if (timedOut) throw TransportErrors.timeout(this.command, this.#options.timeoutMs ?? 0);
  }
}

/** The virtual MMC recorder (implements Transport). Open it with openVirtualDrive(). */
export class VirtualDrive implements Transport {
  readonly control: VirtualDriveControl;
  /** Image-backed: a lock file next to the image, honoured by every process (exclusive.ts). */
  readonly exclusiveAccess: ExclusiveAccessHooks;
  /**
   * Image-backed only: a WRITE from shared memory goes to the image from the caller's memory
   * instead of through the cache, and its hold comes back once it is there (image/held-writes.ts).
   */
  readonly heldWrites?: HeldWriteCapability;
  #busy = false;
  #closed = false;
  #seq = 0;
  readonly #core: DriveCore;
  readonly #clock: Clock;
  readonly #closeFault: string | undefined;

  private constructor(
    readonly address: string,
    readonly options: VirtualDriveOptions,
    core: DriveCore,
    clock: Clock,
    closeFault: string | undefined,
  ) {
    this.#core = core;
    this.#clock = clock;
    this.#closeFault = closeFault;
    this.control = new VirtualDriveControl(core);
    this.exclusiveAccess = virtualExclusiveAccess(core, () => this.#closed);
    if (options.image !== undefined) {
      this.heldWrites = {
        executeHeld: (command, hold, o = {}) => this.#start(command, o, hold, heldResult),
      };
    }
  }

  /** Opens `virtual:<media>[?options]`; an `image` is reopened, or created unless read-only. */
  static async open(address: string, options: OpenVirtualDriveOptions = {}): Promise<VirtualDrive> {
    const parsed = parseVirtualAddress(address);
    const clock = options.clock ?? systemClock;
    const core = await DriveCore.create(parsed, clock, {
      writeFault: options.imageWriteFault,
      readOnly: options.readOnly === true,
    });
    return new VirtualDrive(address, parsed, core, clock, options.imageCloseFault);
  }

  limits(): TransportLimits {
    return {
      maxPageAlignedTransferBytes: this.options.maxTransferBytes,
      maxNonPageAlignedTransferBytes: this.options.maxTransferBytes,
      alignment: 512,
      busType: 'virtual',
    };
  }

  platform(): PlatformInfo {
    return { volumeName: this.address, volumePathNames: [], legacyDeviceNumber: -1 };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      try {
        if (this.#core.disc !== undefined) {
          this.#core.buffer.stop();
          if (this.#core.dirty || this.options.image !== undefined) await this.#core.flush();
        }
      } finally {
        // Also when the flush failed (a full image): the file and the writer thread are let go.
        await this.#core.closeStore();
      }
      // The test fault: the image file's close failed after everything was written out.
      const image = this.options.image;
      if (this.#closeFault !== undefined && image !== undefined) {
        const e = new Error(`${this.#closeFault}: injected close failure, close`);
        throw imageFileError(image, 'closing', Object.assign(e, { code: this.#closeFault }));
      }
    } finally {
      // After the flush: the next holder of the image opens what this drive recorded.
      await this.exclusiveAccess.release();
    }
  }

  execute(command: ScsiCommand, options: ExecuteOptions = {}): Promise<ScsiResult> {
    return this.#start(command, options, undefined, plainResult);
  }

  /** execute() and heldWrites.executeHeld(): the contract's refusals, then the command. */
  #start<R>(
    command: ScsiCommand,
    options: ExecuteOptions,
    hold: DataOutHold | undefined,
    outcome: Outcome<R>,
  ): Promise<R> {
    if (this.#closed) return Promise.reject(TransportErrors.closed(this.address));
    // The contract allows one command in flight; the recorder queues, the transport refuses.
    if (this.#busy) return Promise.reject(TransportErrors.overlapped(command));
    if (this.control.faults.vanished) {
      return Promise.reject(TransportErrors.deviceGone(`${this.address} vanished`));
    }
    this.#busy = true;
    return this.#run(command, options, hold, outcome);
  }

  /** The command is over: the next may come (and a vanish fault may strike). */
  #finish(): void {
    this.#busy = false;
    const faults = this.control.faults;
    if (faults.vanishIn !== undefined && --faults.vanishIn <= 0) {
      faults.vanishIn = undefined;
      faults.vanished = true;
      // A drive the host lost keeps recording what it received: its cache goes to the image
      // now (close() waits for it and reports a failure).
      this.#core.store.writeOut().catch(() => undefined);
    }
  }

  /** Runs one command; finish() ends it whichever way it ends. */
  async #run<R>(
    command: ScsiCommand,
    options: ExecuteOptions,
    hold: DataOutHold | undefined,
    outcome: Outcome<R>,
  ): Promise<R> {
    try {
      const start = this.#clock.now();
      const cdb = command.cdb;
      const opcode = cdb[0] ?? -1;
      const name = command.name !== '' ? command.name : opcodeName(opcode);
      const exchange = new CommandExchange(
        this.#clock,
        this.control.faults,
        command,
        options,
        start,
        hold,
      );
      try {
        if (options.signal?.aborted === true) throw TransportErrors.aborted(command);
        const max = this.options.maxTransferBytes;
        const bytes = Math.max(command.dataOut?.length ?? 0, command.allocationLength ?? 0);
        if (bytes > max) {
          throw TransportErrors.io(
            `${name}: transfer of ${bytes} bytes exceeds the ${max}-byte maximum`,
          );
        }
        const latency = exchange.faults.latencyMs;
        if (latency > 0) await exchange.wait(latency);
        const data = await dispatch(this.#core, opcode, exchange);
        const allocation = command.direction === 'in' ? (command.allocationLength ?? 0) : 0;
        const dataIn =
          command.direction !== 'in' || data === undefined
            ? EMPTY
            : data.length > allocation
              ? data.subarray(0, allocation)
              : data;
        this.#record(exchange, name, ScsiStatus.GOOD, EMPTY, undefined, dataIn.length, undefined);
        return outcome(
          { status: ScsiStatus.GOOD, sense: EMPTY, dataIn, residual: allocation - dataIn.length },
          exchange.kept,
        );
      } catch (e) {
        if (e instanceof CheckCondition) {
          const s = e.sense;
          const options = {
            senseKey: s.senseKey,
            asc: s.asc,
            ascq: s.ascq,
            // Negative LBAs (CD lead-in) go out as their 32-bit two's complement, as drives send them.
            ...(s.information !== undefined ? { information: s.information >>> 0 } : {}),
            ...(s.field !== undefined
              ? { senseKeySpecific: { kind: 'fieldPointer' as const, ...s.field } }
              : {}),
            ...(s.progress !== undefined ? { progress: s.progress } : {}),
          };
          const sense =
            this.options.senseFormat === 'descriptor'
              ? encodeDescriptorSense(options)
              : encodeFixedSense(options);
          this.#record(exchange, name, ScsiStatus.CHECK_CONDITION, sense, s, 0, undefined);
          // A WRITE the drive fails is never held.
          return outcome(
            {
              status: ScsiStatus.CHECK_CONDITION,
              sense,
              dataIn: EMPTY,
              residual: command.direction === 'in' ? (command.allocationLength ?? 0) : 0,
            },
            false,
          );
        }
        const error =
          e instanceof DwError
            ? e
            : TransportErrors.io(`${name} failed inside the virtual drive`, e);
        this.#record(exchange, name, undefined, EMPTY, undefined, 0, error);
        throw error;
      }
    } finally {
      this.#finish();
    }
  }

  /** Appends one command to the log (a fixed shape per entry; the CDB is copied). */
  #record(
    x: CommandExchange,
    name: string,
    status: number | undefined,
    sense: Uint8Array,
    senseCode: SenseCode | undefined,
    dataInBytes: number,
    error: DwError | undefined,
  ): void {
    const limit = this.options.logLimit;
    if (limit === 0) return;
    const command = x.command;
    const log = this.control.log;
    log.push(
      new LoggedCommand(
        ++this.#seq,
        name,
        command.cdb[0] ?? -1,
        command.cdb.slice(),
        x.decoder,
        status,
        sense,
        senseCode,
        command.dataOut?.length ?? 0,
        dataInBytes,
        x.start,
        this.#clock.now(),
        error,
      ),
    );
    trimLog(log, limit);
  }
}

/** Opens a virtual drive: `virtual:<media>[?key=value&...]` (docs/virtual-drive.md). */
export function openVirtualDrive(
  address: string,
  options: OpenVirtualDriveOptions = {},
): Promise<VirtualDrive> {
  return VirtualDrive.open(address, options);
}
