// WriteEngine: discwright's IWriteEngine2 (spec §2, §3). Writes a section of blocks from a source
// to consecutive LBAs through a DiscRecorderEx, with a reader running ahead of the writer through
// a bounded pool of slots, retries per §2.4.5, cancellation per §2.5 and `update` events per §3.
// The engine never prepares or finalises the drive: that is the caller's (or a format layer's) job.
//
// This module keeps the engine's state (the IMAPI2 properties, §2.2, §2.3) and a section's
// lifecycle (§2.4.1 steps 0–6); validation.ts checks the arguments, section.ts runs the reader
// (section-reader.ts) and the writer.

import { EventEmitter } from 'node:events';
import { DwError, HR, invalidArgument, type HResult } from '../errors.js';
import { systemClock, type Clock } from '../transport/clock.js';
import type { DiscRecorderEx } from '../device/types.js';
import { Progress, type WriteEngineEventArgs } from './event-args.js';
import { AbortFlag, SlotPool } from './pipeline.js';
import { openSectionSource, sourceError, type BlockSource } from './sources.js';
import { runWorkers, TICK_MS } from './section.js';
import {
  autoHostBufferSize,
  checkRecorder,
  DEFAULT_MAX_TRANSFER_SIZE,
  checkSectionArgs,
  isInt,
  speedHint,
  type DriveInfo,
  type Section,
  validTransfer,
} from './validation.js';

/**
 * WriteEngine.queueDepth unless set: WRITEs in flight where the recorder queues them (iSCSI). 32
 * WRITEs of tgt's 256 KiB MaxBurstLength keep 72 MB/s flowing at 20 ms RTT (BENCHMARKS.md).
 */
export const DEFAULT_QUEUE_DEPTH = 32;

export interface WriteEngineOptions {
  /** Time source for ticks, back-off and the retry budget (default: the system clock). */
  readonly clock?: Clock;
}

export interface WriteSectionOptions {
  /** Aborting it is equivalent to cancelWrite(). */
  readonly signal?: AbortSignal;
}

export type UpdateListener = (sender: WriteEngine, args: WriteEngineEventArgs) => void;

/** discwright's IWriteEngine2 (MsftWriteEngine2). */
export class WriteEngine extends EventEmitter {
  readonly #clock: Clock;
  #recorder: DiscRecorderEx | null = null;
  #drive: DriveInfo | undefined;
  #canStreamWrite = false;
  #useStreamingWrite12 = false;
  #startingSectorsPerSecond = -1;
  #endingSectorsPerSecond = -1;
  #bytesPerSector = -1;
  /** undefined: follow the recorder (hostBufferSize, maxTransferSize). */
  #hostBufferSize: number | undefined;
  #maxTransferSize: number | undefined;
  #queueDepth = DEFAULT_QUEUE_DEPTH;
  #busy = false;
  #writeInProgress = false;
  #pool: SlotPool | undefined;
  #abort: AbortFlag | undefined;

  constructor(options: WriteEngineOptions = {}) {
    super();
    this.#clock = options.clock ?? systemClock;
  }

  // ---- properties (spec §2.2, §2.3): value first, busy second; getters never throw ----

  /** IWriteEngine2::get_Recorder. */
  get recorder(): DiscRecorderEx | null {
    return this.#recorder;
  }

  /** IWriteEngine2::get_WriteInProgress. */
  get writeInProgress(): boolean {
    return this.#writeInProgress;
  }

  /** The recorder's Real Time Streaming SW bit, cached by setRecorder(). */
  get canStreamWrite(): boolean {
    return this.#canStreamWrite;
  }

  #notBusy(member: string): void {
    if (this.#busy) {
      throw new DwError(HR.E_FAIL, {
        message: `${member} cannot change while a section is being written`,
      });
    }
  }

  /** IWriteEngine2::get_UseStreamingWrite12. */
  get useStreamingWrite12(): boolean {
    return this.#useStreamingWrite12;
  }
  /** IWriteEngine2::put_UseStreamingWrite12. */
  set useStreamingWrite12(v: boolean) {
    if (typeof v !== 'boolean') throw invalidArgument('useStreamingWrite12 must be a boolean');
    if (v && this.#recorder === null) {
      throw new DwError(HR.E_IMAPI_RECORDER_REQUIRED, {
        message: 'useStreamingWrite12 = true needs a recorder; call setRecorder() first',
      });
    }
    if (v && !this.#canStreamWrite) {
      throw new DwError(HR.E_NOTIMPL, {
        message: 'the recorder does not report stream writing (Real Time Streaming SW bit)',
      });
    }
    this.#notBusy('useStreamingWrite12');
    this.#useStreamingWrite12 = v;
  }

  /** IWriteEngine2::get_StartingSectorsPerSecond. */
  get startingSectorsPerSecond(): number {
    return this.#startingSectorsPerSecond;
  }
  set startingSectorsPerSecond(v: number) {
    const value = speedHint(v, 'startingSectorsPerSecond');
    this.#notBusy('startingSectorsPerSecond');
    this.#startingSectorsPerSecond = value;
  }

  /** IWriteEngine2::get_EndingSectorsPerSecond. */
  get endingSectorsPerSecond(): number {
    return this.#endingSectorsPerSecond;
  }
  set endingSectorsPerSecond(v: number) {
    const value = speedHint(v, 'endingSectorsPerSecond');
    this.#notBusy('endingSectorsPerSecond');
    this.#endingSectorsPerSecond = value;
  }

  /** IWriteEngine2::get_BytesPerSector (-1 = not set). */
  get bytesPerSector(): number {
    return this.#bytesPerSector;
  }
  set bytesPerSector(v: number) {
    if (!isInt(v, 1, 65536)) throw invalidArgument('bytesPerSector must be an integer 1..65536');
    this.#notBusy('bytesPerSector');
    this.#bytesPerSector = v;
  }

  /**
   * Bytes of staging memory (beyond IMAPI2). Unless set: 8 MiB, or where the recorder queues
   * WRITEs, twice queueDepth × the WRITE size (at most 64 MiB), so that the reader fills one half
   * while the other is in flight (docs/decisions.md, "Transfer size from the path").
   */
  get hostBufferSize(): number {
    const queued = this.#recorder?.queuedWrites !== undefined;
    return (
      this.#hostBufferSize ??
      autoHostBufferSize(queued, this.#drive, this.maxTransferSize, this.#queueDepth)
    );
  }
  set hostBufferSize(v: number) {
    if (!isInt(v, 131072, 1073741824) || v % 4096 !== 0) {
      throw invalidArgument('hostBufferSize must be a multiple of 4096 from 131072 to 1073741824');
    }
    this.#notBusy('hostBufferSize');
    if (v !== this.#hostBufferSize) this.#pool = undefined;
    this.#hostBufferSize = v;
  }

  /**
   * Byte cap for one WRITE (beyond IMAPI2). Unless set: the recorder's preferred transfer
   * (getTransferLimits: iSCSI's MaxBurstLength, Block Limits' optimal length), else 64 KiB.
   */
  get maxTransferSize(): number {
    return this.#maxTransferSize ?? this.#drive?.preferredTransfer ?? DEFAULT_MAX_TRANSFER_SIZE;
  }
  set maxTransferSize(v: number) {
    if (!isInt(v, 512, 16777216))
      throw invalidArgument('maxTransferSize must be an integer 512..16777216');
    this.#notBusy('maxTransferSize');
    if (v !== this.#maxTransferSize) this.#pool = undefined;
    this.#maxTransferSize = v;
  }

  /**
   * WRITEs in flight at most (beyond IMAPI2; docs/decisions.md, "Queued writes"): used where the
   * recorder has queued writes (iSCSI), whose own depth may be lower; 1 keeps IMAPI2's one.
   */
  get queueDepth(): number {
    return this.#queueDepth;
  }
  set queueDepth(v: number) {
    if (!isInt(v, 1, 256)) throw invalidArgument('queueDepth must be an integer 1..256');
    this.#notBusy('queueDepth');
    this.#queueDepth = v;
  }

  /** IWriteEngine2::put_Recorder (spec §2.3 steps 1–6). Nothing changes when a query fails. */
  async setRecorder(r: DiscRecorderEx): Promise<void> {
    checkRecorder(r);
    this.#notBusy('recorder');
    await r.getMaximumNonPageAlignedTransferSize();
    const pageAligned = await r.getMaximumPageAlignedTransferSize();
    const alignment = await r.getByteAlignmentMask();
    const limits =
      typeof r.getTransferLimits === 'function' ? await r.getTransferLimits() : undefined;
    let canStream: boolean;
    try {
      const desc = await r.getFeaturePage(0x0107, false); // Real Time Streaming
      canStream = desc.length >= 5 && ((desc[4] ?? 0) & 0x01) !== 0; // SW
    } catch (e) {
      if (
        e instanceof DwError &&
        (e.hr === HR.E_IMAPI_RECORDER_NO_SUCH_FEATURE ||
          e.hr === HR.E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED)
      ) {
        canStream = false;
      } else {
        throw e;
      }
    }
    // A section may have started while the drive was being queried; never swap under it.
    this.#notBusy('recorder');
    this.#pool = undefined;
    this.#recorder = r;
    this.#canStreamWrite = canStream;
    const reported = Number.isInteger(pageAligned) && pageAligned > 0 ? pageAligned : 65536;
    this.#drive = {
      maxTransfer: Math.min(reported, validTransfer(limits?.maximumBytes) ?? reported),
      preferredTransfer: validTransfer(limits?.preferredBytes) ?? DEFAULT_MAX_TRANSFER_SIZE,
      alignment: Number.isInteger(alignment) && alignment > 0 ? alignment : 1,
      rbc: 'unknown',
    };
  }

  /** IWriteEngine2::CancelWrite. Never throws. */
  cancelWrite(): HResult {
    if (!this.#writeInProgress || this.#abort === undefined)
      return HR.S_IMAPI_WRITE_NOT_IN_PROGRESS;
    this.#abort.raise();
    return HR.S_OK;
  }

  /** Typed `on('update', …)`. */
  override on(event: 'update', listener: UpdateListener): this;
  override on(event: string | symbol, listener: (...args: unknown[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  #emitUpdate(args: WriteEngineEventArgs): void {
    // Listeners run one by one so a throwing listener neither stops the others nor the write.
    for (const listener of this.listeners('update')) {
      try {
        const ret: unknown = (listener as UpdateListener).call(this, this, args);
        if (
          ret !== null &&
          typeof ret === 'object' &&
          typeof (ret as Promise<unknown>).then === 'function'
        ) {
          (ret as Promise<unknown>).then(undefined, (e: unknown) => listenerWarning(e));
        }
      } catch (e) {
        listenerWarning(e);
      }
    }
  }

  /**
   * IWriteEngine2::WriteSection: write `numberOfBlocks` blocks from `source` to consecutive LBAs
   * from `startingBlockAddress` (negative LBAs are valid). Resolves when the section is done.
   */
  async writeSection(
    source: BlockSource,
    startingBlockAddress: number,
    numberOfBlocks: number,
    options: WriteSectionOptions = {},
  ): Promise<void> {
    if (this.#busy) {
      throw new DwError(HR.E_FAIL, {
        message: 'a section is already being written on this engine',
      });
    }
    this.#busy = true;
    this.#abort = undefined;
    let section: Section;
    try {
      section = await this.#validate(source, startingBlockAddress, numberOfBlocks, options);
    } catch (e) {
      this.#busy = false;
      throw e;
    }
    try {
      await this.#run(section);
    } finally {
      this.#busy = false;
    }
  }

  /** Spec §2.4.1 a–m: the checks, the slot pool, the source; then the section is frozen. */
  async #validate(
    source: BlockSource,
    start: unknown,
    blocks: unknown,
    options: WriteSectionOptions,
  ): Promise<Section> {
    const a = checkSectionArgs(source, start, blocks, options, {
      recorder: this.#recorder,
      drive: this.#drive,
      bytesPerSector: this.#bytesPerSector,
      useStreamingWrite12: this.#useStreamingWrite12,
      canStreamWrite: this.#canStreamWrite,
      maxTransferSize: this.maxTransferSize,
      hostBufferSize: this.hostBufferSize,
    });
    const geometry = a.geometry;
    let pool = this.#pool;
    if (pool === undefined || !pool.fits(geometry)) {
      this.#pool = undefined;
      try {
        pool = new SlotPool(geometry);
      } catch (e) {
        throw new DwError(HR.E_OUTOFMEMORY, {
          message: `cannot allocate ${geometry.slotCount} × ${geometry.slotSize} bytes of staging memory`,
          cause: e,
        });
      }
      this.#pool = pool;
    }
    const input = await openSectionSource(source, a.kind);
    return {
      recorder: a.recorder,
      drive: a.drive,
      geometry,
      pool,
      bytesPerSector: a.bytesPerSector,
      streaming: a.streaming,
      start: a.start,
      blocks: a.blocks,
      source: input,
      signal: a.signal,
      hints: { starting: this.#startingSectorsPerSecond, ending: this.#endingSectorsPerSecond },
      queueDepth: this.#queueDepth,
    };
  }

  async #run(s: Section): Promise<void> {
    const clock = this.#clock;
    const abort = new AbortFlag();
    this.#abort = abort;
    const progress = new Progress(
      s.start,
      s.blocks,
      s.bytesPerSector,
      this.hostBufferSize,
      s.hints,
      clock.now(),
    );
    const onSignal = () => abort.raise();
    s.signal?.addEventListener('abort', onSignal, { once: true });
    let result: DwError | undefined;
    try {
      this.#writeInProgress = true;
      this.#emitUpdate(progress.snapshot(clock.now(), false));
      if (s.signal?.aborted === true) abort.raise();
      result = await runWorkers(s, progress, abort, clock, (stop) => this.#ticks(progress, stop));
      this.#emitUpdate(progress.snapshot(clock.now(), true));
    } finally {
      this.#writeInProgress = false;
      s.signal?.removeEventListener('abort', onSignal);
      try {
        await s.source.finish();
      } catch (e) {
        result ??= sourceError(e, 'closing the source failed');
      }
    }
    if (result !== undefined) throw result;
  }

  async #ticks(progress: Progress, stop: AbortSignal): Promise<void> {
    const clock = this.#clock;
    while (!stop.aborted) {
      try {
        await clock.sleep(TICK_MS, stop);
      } catch {
        return;
      }
      if (stop.aborted) return;
      this.#emitUpdate(progress.snapshot(clock.now(), false));
    }
  }
}

function listenerWarning(e: unknown): void {
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.emitWarning(`an update listener threw: ${detail}`, { code: 'DW_LISTENER_ERROR' });
}
