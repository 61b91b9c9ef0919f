// WriteEngine: discwright's IWriteEngine2 (spec §2, §3). Writes a section of blocks from a source
// to consecutive LBAs through a DiscRecorderEx, with a reader running ahead of the writer through
// a bounded pool of slots, retries per §2.4.5, cancellation per §2.5 and `update` events per §3.
// The engine never prepares or finalises the drive: that is the caller's (or a format layer's) job.

import { EventEmitter } from 'node:events';
import { DwError, HR, type HResult } from '../errors.js';
import { systemClock, type Clock } from '../transport/clock.js';
import type { DiscRecorderEx } from '../device/types.js';
import { Progress, type WriteEngineEventArgs } from './event-args.js';
import {
  AbortFlag,
  SlotPool,
  SlotQueue,
  cancelledError,
  computeGeometry,
  type Geometry,
} from './pipeline.js';
import {
  openSectionSource,
  sourceError,
  sourceKind,
  type BlockSource,
  type SectionSource,
} from './sources.js';
import { writeChunk } from './write-chunk.js';
import { pollBufferCapacity } from './buffer-capacity.js';

export interface WriteEngineOptions {
  /** Time source for ticks, back-off and the retry budget (default: the system clock). */
  readonly clock?: Clock;
}

export interface WriteSectionOptions {
  /** Aborting it is equivalent to cancelWrite(). */
  readonly signal?: AbortSignal;
}

export type UpdateListener = (sender: WriteEngine, args: WriteEngineEventArgs) => void;

interface DriveInfo {
  /** Page-aligned maximum transfer, bytes (0 from the recorder becomes 65,536). */
  readonly maxTransfer: number;
  readonly alignment: number;
  /** READ BUFFER CAPACITY support. */
  rbc: 'unknown' | 'yes' | 'no';
}

const MAX_INT32 = 0x7fffffff;
const MIN_INT32 = -0x80000000;
const TICK_MS = 500;
/** DiscRecorderEx members the engine calls, checked when a recorder is set. */
const RECORDER_METHODS = [
  'getMaximumNonPageAlignedTransferSize',
  'getMaximumPageAlignedTransferSize',
  'getByteAlignmentMask',
  'getFeaturePage',
  'sendCommandSendDataToDevice',
  'sendCommandGetDataFromDevice',
] as const;

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function invalid(message: string): DwError {
  return new DwError(HR.E_INVALIDARG, { message });
}

function cancelled(result: unknown): boolean {
  return result instanceof DwError && result.hr === HR.E_IMAPI_REQUEST_CANCELLED;
}

/** The merge table of spec §2.4.6. `undefined` = ok. */
export function mergeResults(
  writer: DwError | undefined,
  reader: DwError | undefined,
): DwError | undefined {
  if (writer !== undefined && !cancelled(writer)) return writer;
  if (writer !== undefined) {
    // Writer cancelled: a real reader error explains why (short or failing source).
    return reader !== undefined && !cancelled(reader) ? reader : writer;
  }
  return reader;
}

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
  #hostBufferSize = 8 * 1024 * 1024;
  #maxTransferSize = 65536;
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
    if (typeof v !== 'boolean') throw invalid('useStreamingWrite12 must be a boolean');
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

  #speedHint(v: unknown, name: string): number {
    if (v === -1 || isInt(v, 1, MAX_INT32)) return v;
    throw invalid(`${name} must be -1 or an integer 1..2147483647`);
  }

  /** IWriteEngine2::get_StartingSectorsPerSecond. */
  get startingSectorsPerSecond(): number {
    return this.#startingSectorsPerSecond;
  }
  set startingSectorsPerSecond(v: number) {
    const value = this.#speedHint(v, 'startingSectorsPerSecond');
    this.#notBusy('startingSectorsPerSecond');
    this.#startingSectorsPerSecond = value;
  }

  /** IWriteEngine2::get_EndingSectorsPerSecond. */
  get endingSectorsPerSecond(): number {
    return this.#endingSectorsPerSecond;
  }
  set endingSectorsPerSecond(v: number) {
    const value = this.#speedHint(v, 'endingSectorsPerSecond');
    this.#notBusy('endingSectorsPerSecond');
    this.#endingSectorsPerSecond = value;
  }

  /** IWriteEngine2::get_BytesPerSector (-1 = not set). */
  get bytesPerSector(): number {
    return this.#bytesPerSector;
  }
  set bytesPerSector(v: number) {
    if (!isInt(v, 1, 65536)) throw invalid('bytesPerSector must be an integer 1..65536');
    this.#notBusy('bytesPerSector');
    this.#bytesPerSector = v;
  }

  /** Bytes of staging memory (beyond IMAPI2). */
  get hostBufferSize(): number {
    return this.#hostBufferSize;
  }
  set hostBufferSize(v: number) {
    if (!isInt(v, 131072, 1073741824) || v % 4096 !== 0) {
      throw invalid('hostBufferSize must be a multiple of 4096 from 131072 to 1073741824');
    }
    this.#notBusy('hostBufferSize');
    if (v !== this.#hostBufferSize) this.#pool = undefined;
    this.#hostBufferSize = v;
  }

  /** Byte cap for one WRITE (beyond IMAPI2). */
  get maxTransferSize(): number {
    return this.#maxTransferSize;
  }
  set maxTransferSize(v: number) {
    if (!isInt(v, 512, 16777216)) throw invalid('maxTransferSize must be an integer 512..16777216');
    this.#notBusy('maxTransferSize');
    if (v !== this.#maxTransferSize) this.#pool = undefined;
    this.#maxTransferSize = v;
  }

  /** IWriteEngine2::put_Recorder (spec §2.3 steps 1–6). Nothing changes when a query fails. */
  async setRecorder(r: DiscRecorderEx): Promise<void> {
    if (r === null || r === undefined) {
      throw new DwError(HR.E_POINTER, { message: 'setRecorder needs a recorder' });
    }
    if (typeof r !== 'object' && typeof r !== 'function') {
      throw invalid('setRecorder needs an object implementing DiscRecorderEx');
    }
    const rec = r as unknown as Record<string, unknown>;
    const missing = RECORDER_METHODS.filter((m) => typeof rec[m] !== 'function');
    if (missing.length > 0) {
      throw invalid(`setRecorder: the object lacks DiscRecorderEx members ${missing.join(', ')}`);
    }
    this.#notBusy('recorder');
    await r.getMaximumNonPageAlignedTransferSize();
    const pageAligned = await r.getMaximumPageAlignedTransferSize();
    const alignment = await r.getByteAlignmentMask();
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
    this.#drive = {
      maxTransfer: Number.isInteger(pageAligned) && pageAligned > 0 ? pageAligned : 65536,
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

  async #validate(
    source: BlockSource,
    start: unknown,
    blocks: unknown,
    options: WriteSectionOptions,
  ): Promise<Section> {
    const noSource = source === null || source === undefined;
    const recorder = this.#recorder;
    const drive = this.#drive;
    if (recorder === null || drive === undefined) {
      throw new DwError(HR.E_IMAPI_RECORDER_REQUIRED, {
        message: 'no recorder has been assigned; call setRecorder() first',
      });
    }
    if (noSource) throw new DwError(HR.E_POINTER, { message: 'writeSection needs a source' });
    const kind = sourceKind(source);
    if (kind === undefined) {
      throw invalid(
        'unsupported source: pass a Uint8Array, a file path, a Readable, a FileHandle, a BlockReader or an AsyncIterable<Uint8Array>',
      );
    }
    const opts: unknown = options;
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) {
      throw invalid('writeSection options must be an object');
    }
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw invalid('options.signal must be an AbortSignal');
    }
    const bps = this.#bytesPerSector;
    if (bps === -1) throw invalid('bytesPerSector has not been set');
    if (!isInt(blocks, 1, MAX_INT32))
      throw invalid('numberOfBlocks must be an integer 1..2147483647');
    if (!isInt(start, MIN_INT32, MAX_INT32)) {
      throw invalid('startingBlockAddress must be a signed 32-bit integer');
    }
    if (start + blocks - 1 > MAX_INT32) {
      throw invalid('the section runs past LBA 2147483647');
    }
    const streaming = this.#useStreamingWrite12;
    if (streaming && !this.#canStreamWrite) {
      throw new DwError(HR.E_NOTIMPL, {
        message:
          'useStreamingWrite12 is set but the current recorder does not report stream writing',
      });
    }
    const geometry = computeGeometry({
      bytesPerSector: bps,
      maxTransferSize: this.#maxTransferSize,
      driveMaxTransfer: drive.maxTransfer,
      hostBufferSize: this.#hostBufferSize,
      streaming,
      alignment: drive.alignment,
    });
    if (geometry.blocksPerChunk === 0 || geometry.slotCount < 2) {
      throw invalid(
        `bytesPerSector ${bps} does not fit: ${geometry.blocksPerChunk} blocks per WRITE, ${geometry.slotCount} slots in ${this.#hostBufferSize} bytes`,
      );
    }
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
    const input = await openSectionSource(source, kind);
    return {
      recorder,
      drive,
      geometry,
      pool,
      bytesPerSector: bps,
      streaming,
      start,
      blocks,
      source: input,
      signal,
      hints: { starting: this.#startingSectorsPerSecond, ending: this.#endingSectorsPerSecond },
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
      this.#hostBufferSize,
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

      const free = new SlotQueue(abort, s.pool.slots.length);
      const filled = new SlotQueue(abort, s.pool.slots.length);
      for (let i = 0; i < s.pool.slots.length; i++) free.put(i);
      s.pool.holds.begin(free);

      let running = 2;
      const stopTicks = new AbortController();
      const stopped = () => {
        if (--running === 0) stopTicks.abort();
      };
      const settle = async (p: Promise<void>): Promise<DwError | undefined> => {
        try {
          await p;
          return undefined;
        } catch (e) {
          abort.raise(); // the first failure stops the other worker
          return e instanceof DwError ? e : sourceError(e, 'unexpected failure');
        } finally {
          stopped();
        }
      };
      const ticks = this.#ticks(progress, stopTicks.signal);
      const [readerResult, writerResult] = await Promise.all([
        settle(reader(s, progress, free, filled)),
        settle(writer(s, progress, filled, abort, clock)),
      ]);
      await ticks;
      // Slots the drive still reads from (zero-copy hand-off) come back before the section
      // ends, so the next section never refills one that is still being written.
      await s.pool.holds.drained();
      result = mergeResults(writerResult, readerResult);
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

interface Section {
  readonly recorder: DiscRecorderEx;
  readonly drive: DriveInfo;
  readonly geometry: Geometry;
  readonly pool: SlotPool;
  readonly bytesPerSector: number;
  readonly streaming: boolean;
  readonly start: number;
  readonly blocks: number;
  readonly source: SectionSource;
  readonly signal: AbortSignal | undefined;
  readonly hints: { readonly starting: number; readonly ending: number };
}

function listenerWarning(e: unknown): void {
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.emitWarning(`an update listener threw: ${detail}`, { code: 'DW_LISTENER_ERROR' });
}

/**
 * Most bytes one source read fills: up to 32 adjacent 64 KiB slots, because every read has a
 * fixed cost beyond its copy and fewer, larger reads keep the reader ahead of a fast drive
 * (BENCHMARKS.md, "File-backed: the reader's round trip").
 */
const MAX_READ_BYTES = 2 * 1024 * 1024;

/**
 * The reader fills one or more adjacent free slots per source read (beyond spec §2.4.3, which
 * reads one slot at a time; docs/decisions.md "Performance"): when the free queue hands out
 * slots i, i+1, … that are contiguous in the pool, up to 2 MiB of them are filled with one
 * `source.fill()`, never past the section's remaining blocks. Each slot is then accounted and
 * queued on its own, exactly as a one-slot read would, so the chunk sequence is unchanged.
 * When the source outruns the drive the pool stays full and the writer frees one slot at a
 * time; the reader then waits until a whole batch (2 MiB, at most a quarter of the pool) is
 * free before it reads again, instead of reading 64 KiB per freed slot.
 */
async function reader(
  s: Section,
  progress: Progress,
  free: SlotQueue,
  filled: SlotQueue,
): Promise<void> {
  const B = s.geometry.blocksPerChunk;
  const bps = s.bytesPerSector;
  const slotSize = s.geometry.slotSize;
  const slotCount = s.pool.slots.length;
  const maxSlots = s.pool.contiguous
    ? Math.max(1, Math.min(Math.floor(MAX_READ_BYTES / slotSize), Math.floor(slotCount / 4)))
    : 1;
  let remaining = s.blocks;
  let lba = s.start;
  while (remaining > 0) {
    const first = free.tryTake() ?? (await free.take());
    if (first === undefined) throw cancelledError('reading stopped: the write was cancelled');
    // Slots come back in pool order, so the next ones queued are first+1, first+2, … up to the
    // end of the pool; a batch never wraps.
    const batch = Math.min(maxSlots, slotCount - first, Math.ceil(remaining / B));
    if (batch > 1 && !(await free.waitForLength(batch - 1))) {
      free.put(first); // not read: back where it came from (the section is ending anyway)
      throw cancelledError('reading stopped: the write was cancelled');
    }
    let count = 1;
    let blocks = Math.min(remaining, B);
    while (count < maxSlots && blocks < remaining && free.takeIf(first + count)) {
      blocks += Math.min(remaining - blocks, B);
      count++;
    }
    const want = blocks * bps;
    // One way of making the view for every read of a contiguous pool, so no path first taken
    // mid-write deoptimises the reader (docs/benchmarks-history.md, "File-backed: zero-copy
    // hand-off").
    const dst = s.pool.contiguous
      ? s.pool.span(first, want)
      : (s.pool.slots[first] as Uint8Array).subarray(0, want);
    let got: number;
    try {
      got = await s.source.fill(dst);
    } catch (e) {
      throw sourceError(e, `reading the source for LBA ${lba} failed`);
    }
    for (let k = 0; k < count; k++) {
      const n = Math.min(remaining, B);
      const have = got - k * slotSize;
      if (have < n * bps) {
        const expected = s.blocks * bps;
        const read = (s.blocks - remaining) * bps + Math.max(0, have);
        throw new DwError(HR.E_FAIL, {
          message: `the source ended after ${read} bytes; the section needs ${expected} (${s.blocks} blocks × ${bps})`,
          lba,
          blocks: n,
        });
      }
      lba += n;
      remaining -= n;
      progress.read(n);
      filled.put(first + k);
    }
  }
}

async function writer(
  s: Section,
  progress: Progress,
  filled: SlotQueue,
  abort: AbortFlag,
  clock: Clock,
): Promise<void> {
  const B = s.geometry.blocksPerChunk;
  const holds = s.pool.holds;
  let remaining = s.blocks;
  let lba = s.start;
  let lastPoll: number | undefined;
  // No start-up underrun (beyond spec §2.4.3; docs/decisions.md "Performance"): a drive starts
  // recording with the first WRITE, so the first one waits until the whole pool is filled, or
  // the reader has read the whole section, and the drive's buffer then fills at memory speed
  // instead of growing only by what the source outruns the media. An abort ends the wait.
  const prefill = Math.min(s.pool.slots.length, Math.ceil(s.blocks / B));
  if (!(await filled.waitForLength(prefill))) {
    throw cancelledError('writing stopped: the write was cancelled');
  }
  while (remaining > 0) {
    const index = filled.tryTake() ?? (await filled.take());
    if (index === undefined) throw cancelledError('writing stopped: the write was cancelled');
    const n = Math.min(remaining, B);
    const slot = s.pool.slots[index] as Uint8Array;
    holds.sent(index);
    const held = await writeChunk(s.recorder, clock, abort, {
      lba,
      blocks: n,
      data: slot.subarray(0, n * s.bytesPerSector),
      streaming: s.streaming,
      options: holds.options[index],
    });
    lba += n;
    remaining -= n;
    progress.written(n, clock.now());
    // Back to the free queue now, or when the drive lets go of it (SlotHolds).
    holds.completed(index, held);
    // Between WRITEs only, never after the last one, at most every 500 ms (spec §2.7).
    if (remaining > 0 && s.drive.rbc !== 'no' && !abort.raised) {
      const now = clock.now();
      if (lastPoll === undefined || now - lastPoll >= TICK_MS) {
        lastPoll = now;
        await pollBufferCapacity(s.recorder, s.drive, progress);
      }
    }
  }
}
