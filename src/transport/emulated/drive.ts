// The virtual drive: a Transport that answers SCSI commands the way an MMC recorder with real
// media does (docs/virtual-drive.md). This module enforces the transport contract (one command
// in flight, closed transport, timeout and abort on the drive's clock, transfer limits), applies
// faults, turns CheckCondition into status and sense, and keeps the command log.

import type {
  ExclusiveAccessHooks,
  ExecuteOptions,
  PlatformInfo,
  ScsiCommand,
  ScsiResult,
  Transport,
  TransportLimits,
} from '../transport.js';
import { TransportErrors } from '../transport.js';
import { systemClock, type Clock } from '../clock.js';
import { ScsiStatus, type DataOutHold } from '../../scsi/command.js';
import { opcodeName, Opcode } from '../../scsi/opcodes.js';
import { encodeDescriptorSense, encodeFixedSense } from '../../scsi/sense.js';
import { DwError, HR } from '../../errors.js';
import { parseVirtualAddress, type VirtualDriveOptions } from './address.js';
import { CheckCondition, fail, Sense, type SenseCode } from './check.js';
import { HANDLERS, UNIT_ATTENTION_EXEMPT, type Exchange } from './commands.js';
import { DriveCore } from './core.js';
import type { DiscStatus, Session, Track } from './disc.js';
import { virtualExclusiveAccess } from './exclusive.js';
import { Faults } from './faults.js';
import type { MediaId } from './media.js';
import type { WriteParametersPage } from '../../scsi/mmc/mode-pages/write-parameters.js';

/** One executed command, as the command log records it. */
export interface LogEntry {
  /** 1, 2, 3… in execution order. */
  readonly seq: number;
  /** The command's name (`WRITE(10)`). */
  readonly name: string;
  readonly opcode: number;
  /** A copy of the CDB. */
  readonly cdb: Uint8Array;
  /** The CDB as the codec decoded it; undefined when the command failed before decoding. */
  readonly decoded: unknown;
  /** SCSI status; undefined when the command rejected (transport failure). */
  readonly status: number | undefined;
  /** The sense data as sent: fixed format, or descriptor format with `sense=descriptor`
   *  (empty on GOOD). */
  readonly sense: Uint8Array;
  /** Sense key/ASC/ASCQ of a CHECK CONDITION. */
  readonly senseCode: SenseCode | undefined;
  readonly dataOutBytes: number;
  readonly dataInBytes: number;
  /** Clock times (ms) when the command arrived and completed. */
  readonly start: number;
  readonly end: number;
  /** The rejection, for commands that did not complete. */
  readonly error: DwError | undefined;
}

/** Read-only view of the loaded disc and the drive's recording state. */
export class MediaInspection {
  constructor(private readonly core: DriveCore) {}

  /** A disc is in the drive and the tray is closed. */
  get loaded(): boolean {
    return this.core.disc !== undefined && this.core.tray === 'closed';
  }
  get trayOpen(): boolean {
    return this.core.tray === 'open';
  }
  get prevented(): boolean {
    return this.core.prevented;
  }
  get media(): MediaId | undefined {
    return this.core.disc?.spec.id;
  }
  /** Current profile (0 when empty). */
  get profile(): number {
    return this.core.disc?.profile ?? 0;
  }
  get discStatus(): DiscStatus | undefined {
    return this.core.disc?.status().disc;
  }
  get capacity(): number {
    return this.core.disc?.capacity ?? 0;
  }
  get formatted(): boolean {
    return this.core.disc?.formatted ?? false;
  }
  get finalized(): boolean {
    return this.core.disc?.finalized ?? false;
  }
  /** Copies of the tracks. */
  get tracks(): Track[] {
    return (this.core.disc?.tracks ?? []).map((t) => ({ ...t }));
  }
  get sessions(): Session[] {
    return (this.core.disc?.sessions ?? []).map((s) => ({ ...s }));
  }
  /** Next writable address of the invisible track, undefined when there is none. */
  get nwa(): number | undefined {
    return this.core.disc?.invisibleTrack?.nwa;
  }
  /** Stored bytes of `count` blocks from `lba` (each in the size it was written; zeros where
   *  nothing was written). Test hooks read the disc surface, not what READ would allow. */
  async readBlocks(lba: number, count: number): Promise<Uint8Array> {
    const store = this.core.store;
    const stride = store.stride ?? 2048;
    if (lba >= 0 && store.stride !== undefined && store.plain(lba, count)) {
      return store.readRun(lba, count);
    }
    const parts: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      parts.push((await store.readBlock(lba + i)) ?? new Uint8Array(stride));
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  /** Underruns while recording (bridged links plus losses of streaming). */
  get underruns(): number {
    return this.core.buffer.links + this.core.buffer.losses;
  }
  /** Underruns bridged by BUFE / lossless linking. */
  get links(): number {
    return this.core.buffer.links;
  }
  /** Underruns that failed a WRITE with 03/0C/09. */
  get lossesOfStreaming(): number {
    return this.core.buffer.losses;
  }
  /** Bytes in the drive buffer now. */
  get bufferFill(): number {
    return this.core.buffer.fill;
  }
  get bufferSize(): number {
    return this.core.buffer.size;
  }
  /** Current write speed as a multiple of 1x. */
  get writeSpeedX(): number {
    return this.core.effectiveSpeedX();
  }
  /** The current Write Parameters mode page. */
  get writeParameters(): WriteParametersPage {
    return this.core.writeParameters;
  }
  /** Bytes per block a WRITE must carry now. */
  get writeBlockSize(): number {
    return this.core.writeBlockSize();
  }
}

/** The control surface tests use (`drive.control`). */
export class VirtualDriveControl {
  readonly faults = new Faults();
  readonly log: LogEntry[] = [];
  readonly media: MediaInspection;

  constructor(private readonly core: DriveCore) {
    this.media = new MediaInspection(core);
  }

  /** Takes the disc out and leaves the tray open (flushing an image-backed disc first). */
  async eject(): Promise<void> {
    await this.core.unload();
  }

  /** Puts a fresh disc in and closes the tray: the next command sees unit attention 06/28/00. */
  async load(
    media: MediaId,
    options: { readonly capacity?: number; readonly formatted?: boolean } = {},
  ): Promise<void> {
    await this.core.load(media, {
      ...(options.capacity !== undefined ? { capacity: options.capacity } : {}),
      ...(options.formatted !== undefined ? { formatted: options.formatted } : {}),
    });
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Drops the oldest log entries beyond `limit`. shift() drops one in O(1) (V8 trims the array in
 * place); splice(0, n) moved every kept entry, which cost ~9 µs per command once the log was full.
 */
function trimLog(log: LogEntry[], limit: number): void {
  while (log.length > limit) log.shift();
}
// The shift first runs when a long write fills the log, long after V8 optimised the command path
// on feedback that never saw it; it then throws that code away and compiles it again (10–20 ms
// of compiler time per process, --trace-deopt). Running it here a few dozen times, on an array
// of objects like the log, gives the optimiser that feedback from the start.
for (let i = 0; i < 64; i++) trimLog([{}, {}] as unknown as LogEntry[], 1);

/**
 * One entry of the command log. The decoded CDB is worked out from the CDB copy when it is read,
 * not kept: a long write keeps a thousand entries alive, and a decoded object in each is one
 * more object per command for the garbage collector to trace, for a field tests rarely read.
 */
class LoggedCommand implements LogEntry {
  readonly #decoder: ((cdb: Uint8Array) => unknown) | undefined;

  constructor(
    readonly seq: number,
    readonly name: string,
    readonly opcode: number,
    readonly cdb: Uint8Array,
    decoder: ((cdb: Uint8Array) => unknown) | undefined,
    readonly status: number | undefined,
    readonly sense: Uint8Array,
    readonly senseCode: SenseCode | undefined,
    readonly dataOutBytes: number,
    readonly dataInBytes: number,
    readonly start: number,
    readonly end: number,
    readonly error: DwError | undefined,
  ) {
    this.#decoder = decoder;
  }

  get decoded(): unknown {
    return this.#decoder?.(this.cdb);
  }
}

/** One command's view for the handlers (commands.ts): the command, faults, and the drive's clock. */
class CommandExchange implements Exchange {
  decoder: ((cdb: Uint8Array) => unknown) | undefined = undefined;
  /** The command's data-out may be kept by the store (zero-copy hand-off; DataOutKeeper). */
  readonly hold: DataOutHold | undefined;
  kept = false;
  private readonly deadline: number;

  constructor(
    private readonly clock: Clock,
    readonly faults: Faults,
    readonly command: ScsiCommand,
    private readonly options: ExecuteOptions,
    readonly start: number,
  ) {
    this.deadline = options.timeoutMs === undefined ? Infinity : start + options.timeoutMs;
    this.hold = command.dataOutHold;
  }

  /** Sleeps on the drive's clock; past the command's deadline it times out, an abort cancels. */
  async wait(ms: number): Promise<void> {
    if (!(ms > 0)) return;
    const now = this.clock.now();
    const timedOut = now + ms > this.deadline;
    try {
      await this.clock.sleep(timedOut ? Math.max(0, this.deadline - now) : ms, this.options.signal);
    } catch (e) {
      if (e instanceof DwError && e.hr === HR.E_IMAPI_REQUEST_CANCELLED) {
        throw TransportErrors.aborted(this.command);
      }
      throw e;
    }
    if (timedOut) throw TransportErrors.timeout(this.command, this.options.timeoutMs ?? 0);
  }
}

/** The virtual MMC recorder (implements Transport). Open it with openVirtualDrive(). */
export class VirtualDrive implements Transport {
  readonly control: VirtualDriveControl;
  /** Image-backed: a lock file next to the image, honoured by every process (exclusive.ts). */
  readonly exclusiveAccess: ExclusiveAccessHooks;
  private busy = false;
  private closed = false;
  private seq = 0;

  private constructor(
    readonly address: string,
    readonly options: VirtualDriveOptions,
    private readonly core: DriveCore,
    private readonly clock: Clock,
  ) {
    this.control = new VirtualDriveControl(core);
    this.exclusiveAccess = virtualExclusiveAccess(core, () => this.closed);
  }

  /** Opens `virtual:<media>[?options]`; an `image` is created or reopened. */
  static async open(address: string, options: { clock?: Clock } = {}): Promise<VirtualDrive> {
    const parsed = parseVirtualAddress(address);
    const clock = options.clock ?? systemClock;
    const core = await DriveCore.create(parsed, clock);
    return new VirtualDrive(address, parsed, core, clock);
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
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.core.disc !== undefined) {
        this.core.buffer.stop();
        if (this.core.dirty || this.options.image !== undefined) await this.core.flush();
      }
      await this.core.store.close();
    } finally {
      // After the flush: the next holder of the image opens what this drive recorded.
      await this.exclusiveAccess.release();
    }
  }

  execute(command: ScsiCommand, options: ExecuteOptions = {}): Promise<ScsiResult> {
    if (this.closed) return Promise.reject(TransportErrors.closed(this.address));
    // The contract allows one command in flight; the recorder queues, the transport refuses.
    if (this.busy) return Promise.reject(TransportErrors.overlapped(command));
    if (this.control.faults.vanished) {
      return Promise.reject(TransportErrors.deviceGone(`${this.address} vanished`));
    }
    this.busy = true;
    return this.run(command, options);
  }

  /** The command is over: the next may come (and a vanish fault may strike). */
  private finish(): void {
    this.busy = false;
    const faults = this.control.faults;
    if (faults.vanishIn !== undefined && --faults.vanishIn <= 0) {
      faults.vanishIn = undefined;
      faults.vanished = true;
      // A drive the host lost keeps recording what it received: its cache goes to the image
      // now (close() waits for it and reports a failure).
      this.core.store.writeOut().catch(() => undefined);
    }
  }

  /** Runs one command; finish() ends it whichever way it ends. */
  private async run(command: ScsiCommand, options: ExecuteOptions): Promise<ScsiResult> {
    try {
      const start = this.clock.now();
      const cdb = command.cdb;
      const opcode = cdb[0] ?? -1;
      const name = command.name !== '' ? command.name : opcodeName(opcode);
      const exchange = new CommandExchange(
        this.clock,
        this.control.faults,
        command,
        options,
        start,
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
        const data = await this.dispatch(opcode, exchange);
        const allocation = command.direction === 'in' ? (command.allocationLength ?? 0) : 0;
        const dataIn =
          command.direction !== 'in' || data === undefined
            ? EMPTY
            : data.length > allocation
              ? data.subarray(0, allocation)
              : data;
        this.record(exchange, name, ScsiStatus.GOOD, EMPTY, undefined, dataIn.length, undefined);
        return {
          status: ScsiStatus.GOOD,
          sense: EMPTY,
          dataIn,
          residual: allocation - dataIn.length,
          dataOutHeld: exchange.kept,
        };
      } catch (e) {
        if (e instanceof CheckCondition) {
          const s = e.sense;
          const options = {
            senseKey: s.senseKey,
            asc: s.asc,
            ascq: s.ascq,
            // Negative LBAs (CD lead-in) go out as their 32-bit two's complement, as drives send them.
            ...(s.information !== undefined ? { information: s.information >>> 0 } : {}),
          };
          const sense =
            this.options.senseFormat === 'descriptor'
              ? encodeDescriptorSense(options)
              : encodeFixedSense(options);
          this.record(exchange, name, ScsiStatus.CHECK_CONDITION, sense, s, 0, undefined);
          return {
            status: ScsiStatus.CHECK_CONDITION,
            sense,
            dataIn: EMPTY,
            residual: command.direction === 'in' ? (command.allocationLength ?? 0) : 0,
            dataOutHeld: false,
          };
        }
        const error =
          e instanceof DwError
            ? e
            : TransportErrors.io(`${name} failed inside the virtual drive`, e);
        this.record(exchange, name, undefined, EMPTY, undefined, 0, error);
        throw error;
      }
    } finally {
      this.finish();
    }
  }

  /** Appends one command to the log (a fixed shape per entry; the CDB is copied). */
  private record(
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
        ++this.seq,
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
        this.clock.now(),
        error,
      ),
    );
    trimLog(log, limit);
  }

  private dispatch(opcode: number, x: Exchange): Promise<Uint8Array | void> | Uint8Array | void {
    const core = this.core;
    const faults = x.faults;
    if (!UNIT_ATTENTION_EXEMPT.has(opcode)) {
      const ua = faults.pendingAttention ?? core.attention;
      if (ua !== undefined) {
        if (faults.pendingAttention !== undefined) faults.pendingAttention = undefined;
        else core.attention = undefined;
        fail(ua);
      }
    }
    if (faults.busyCount > 0) {
      const isWrite = opcode === Opcode.WRITE_10 || opcode === Opcode.WRITE_12;
      const hit = faults.busyCommands === 'all' ? !UNIT_ATTENTION_EXEMPT.has(opcode) : isWrite;
      if (hit) {
        faults.busyCount--;
        fail(
          faults.busyAscq === 0x07
            ? Sense.NOT_READY_OPERATION_IN_PROGRESS
            : Sense.NOT_READY_LONG_WRITE_IN_PROGRESS,
        );
      }
    }
    const handler = HANDLERS.get(opcode);
    if (handler === undefined) fail(Sense.INVALID_COMMAND_OPERATION_CODE);
    return handler(core, x);
  }
}

/** Opens a virtual drive: `virtual:<media>[?key=value&...]` (docs/virtual-drive.md). */
export function openVirtualDrive(
  address: string,
  options: { clock?: Clock } = {},
): Promise<VirtualDrive> {
  return VirtualDrive.open(address, options);
}
