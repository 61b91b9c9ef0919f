// Progress counters of one section and the frozen event snapshots built from them (spec §3.2):
// the seven IWriteEngine2EventArgs values plus discwright's device buffer, throughput and ETA.

/** One `update` event's arguments: a frozen snapshot (spec §3.2). */
export interface WriteEngineEventArgs {
  /** IWriteEngine2EventArgs::StartLba (may be negative). */
  readonly startLba: number;
  /** IWriteEngine2EventArgs::SectorCount. */
  readonly sectorCount: number;
  /** IWriteEngine2EventArgs::LastReadLba (startLba before the first read). */
  readonly lastReadLba: number;
  /** IWriteEngine2EventArgs::LastWrittenLba (startLba before the first WRITE). */
  readonly lastWrittenLba: number;
  /** IWriteEngine2EventArgs::TotalSystemBuffer, bytes. */
  readonly totalSystemBuffer: number;
  /** IWriteEngine2EventArgs::UsedSystemBuffer, bytes read and not yet written. */
  readonly usedSystemBuffer: number;
  /** IWriteEngine2EventArgs::FreeSystemBuffer, bytes. */
  readonly freeSystemBuffer: number;
  /** Drive buffer size from READ BUFFER CAPACITY; null while unknown or unsupported. */
  readonly totalDeviceBuffer: number | null;
  /** Drive buffer fill, bytes; null while unknown. */
  readonly usedDeviceBuffer: number | null;
  readonly blocksRead: number;
  readonly blocksWritten: number;
  /** Time since update #1. */
  readonly elapsedMs: number;
  /** Over a sliding 5 s window of completed WRITEs; 0 until two have completed. */
  readonly bytesPerSecond: number;
  readonly averageBytesPerSecond: number;
  /** null while unknown; 0 once every block is written. */
  readonly etaMs: number | null;
  /** True only in the event emitted after the section ended. */
  readonly final: boolean;
}

const WINDOW_MS = 5000;
const RING = 1024;

/** The mutable counters behind the snapshots. */
export class Progress {
  blocksRead = 0;
  blocksWritten = 0;
  usedSystemBuffer = 0;
  totalDeviceBuffer: number | null = null;
  usedDeviceBuffer: number | null = null;
  readonly #startedAt: number;
  // Ring of WRITE completions (time, cumulative bytes written) for the sliding window.
  readonly #times = new Float64Array(RING);
  readonly #totals = new Float64Array(RING);
  #first = 0;
  #count = 0;
  readonly #hints: { starting: number; ending: number };

  constructor(
    readonly startLba: number,
    readonly sectorCount: number,
    readonly bytesPerSector: number,
    readonly totalSystemBuffer: number,
    hints: { starting: number; ending: number },
    now: number,
  ) {
    this.#hints = hints;
    this.#startedAt = now;
  }

  read(blocks: number): void {
    this.blocksRead += blocks;
    this.usedSystemBuffer += blocks * this.bytesPerSector;
  }

  written(blocks: number, now: number): void {
    this.blocksWritten += blocks;
    this.usedSystemBuffer -= blocks * this.bytesPerSector;
    const at = (this.#first + this.#count) % RING;
    // Both fields are stored on every call, so the ring's first wrap takes no new branch that would
    // deoptimise the writer (docs/benchmarks-history.md, "File-backed: zero-copy hand-off").
    const full = this.#count === RING ? 1 : 0;
    this.#first = (this.#first + full) % RING;
    this.#count += 1 - full;
    this.#times[at] = now;
    this.#totals[at] = this.blocksWritten * this.bytesPerSector;
  }

  deviceBuffer(total: number, free: number): void {
    if (total <= 0) {
      this.totalDeviceBuffer = null;
      this.usedDeviceBuffer = null;
      return;
    }
    const f = Math.min(Math.max(free, 0), total);
    this.totalDeviceBuffer = total;
    this.usedDeviceBuffer = Math.max(0, total - f);
  }

  #windowRate(now: number): number {
    // Drop completions that left the window, but keep at least the newest one.
    while (this.#count > 1 && (this.#times[this.#first] as number) < now - WINDOW_MS) {
      this.#first = (this.#first + 1) % RING;
      this.#count--;
    }
    if (this.#count < 2) return 0;
    const last = (this.#first + this.#count - 1) % RING;
    const dt = (this.#times[last] as number) - (this.#times[this.#first] as number);
    if (dt <= 0) return 0;
    const bytes = (this.#totals[last] as number) - (this.#totals[this.#first] as number);
    return (bytes * 1000) / dt;
  }

  #eta(rate: number): number | null {
    const remainingBlocks = this.sectorCount - this.blocksWritten;
    if (remainingBlocks <= 0) return 0;
    if (rate > 0) return (remainingBlocks * this.bytesPerSector * 1000) / rate;
    const { starting, ending } = this.#hints;
    const s = starting > 0 ? starting : ending;
    const e = ending > 0 ? ending : starting;
    if (!(s > 0) || !(e > 0)) return null;
    // Expected rate grows linearly with position: r(f) = s + (e − s)·f over the section.
    const n = this.sectorCount;
    const f0 = this.blocksWritten / n;
    const r0 = s + (e - s) * f0;
    const sec = e === s ? (n * (1 - f0)) / s : (n / (e - s)) * Math.log(e / r0);
    return sec * 1000;
  }

  snapshot(now: number, final: boolean): WriteEngineEventArgs {
    const elapsedMs = Math.max(0, now - this.#startedAt);
    const rate = this.#windowRate(now);
    const writtenBytes = this.blocksWritten * this.bytesPerSector;
    return Object.freeze({
      startLba: this.startLba,
      sectorCount: this.sectorCount,
      lastReadLba: this.blocksRead === 0 ? this.startLba : this.startLba + this.blocksRead - 1,
      lastWrittenLba:
        this.blocksWritten === 0 ? this.startLba : this.startLba + this.blocksWritten - 1,
      totalSystemBuffer: this.totalSystemBuffer,
      usedSystemBuffer: this.usedSystemBuffer,
      freeSystemBuffer: this.totalSystemBuffer - this.usedSystemBuffer,
      totalDeviceBuffer: this.totalDeviceBuffer,
      usedDeviceBuffer: this.usedDeviceBuffer,
      blocksRead: this.blocksRead,
      blocksWritten: this.blocksWritten,
      elapsedMs,
      bytesPerSecond: rate,
      averageBytesPerSecond: elapsedMs > 0 ? (writtenBytes * 1000) / elapsedMs : 0,
      etaMs: this.#eta(rate),
      final,
    });
  }
}
