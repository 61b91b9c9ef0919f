// The end-of-run line on a terminal (issue #22): the write speed over the run as a one-line
// sparkline, with the lowest and highest speed and the lowest drive buffer fill, so a dip is seen
// without opening a report. The collector keeps three numbers per update in typed arrays, so a
// whole disc's updates cost a few MB at most.

import type { WriteEngineEventArgs } from '../engine/index.js';

const BARS = '▁▂▃▄▅▆▇█';
export const SPARK_WIDTH = 40;

export class SparkCollector {
  #t = new Float64Array(1024);
  #written = new Float64Array(1024);
  #drive = new Float64Array(1024);
  #lba = new Float64Array(1024);
  #n = 0;
  readonly #t0 = performance.now();

  add(args: WriteEngineEventArgs): void {
    if (this.#n === this.#t.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.#t = grow(this.#t);
      this.#written = grow(this.#written);
      this.#drive = grow(this.#drive);
      this.#lba = grow(this.#lba);
    }
    const i = this.#n++;
    this.#t[i] = performance.now() - this.#t0;
    this.#written[i] = args.blocksWritten;
    this.#lba[i] = args.lastWrittenLba;
    const total = args.totalDeviceBuffer;
    this.#drive[i] =
      total !== null && total > 0 && args.usedDeviceBuffer !== null && !args.final
        ? (args.usedDeviceBuffer / total) * 100
        : Number.NaN;
  }

  /** The samples so far: time (ms), blocks written, drive buffer % (NaN: unknown), LBA. */
  samples(): { t: number; written: number; drivePct: number; lba: number }[] {
    const out = [];
    for (let i = 0; i < this.#n; i++) {
      out.push({
        t: this.#t[i] as number,
        written: this.#written[i] as number,
        drivePct: this.#drive[i] as number,
        lba: this.#lba[i] as number,
      });
    }
    return out;
  }
}

/** Bytes per second in each of `width` equal time slices of the run. */
export function speedSlices(
  samples: readonly { t: number; written: number }[],
  bytesPerSector: number,
  width = SPARK_WIDTH,
): number[] {
  const first = samples[0];
  const last = samples.at(-1);
  if (first === undefined || last === undefined || last.t <= first.t) return [];
  const span = last.t - first.t;
  // Blocks written by time `at`, interpolated between the updates around it: updates come every
  // 500 ms, so a step function would pile each interval's blocks into one slice.
  let k = 0;
  const writtenAt = (at: number): number => {
    while (k + 1 < samples.length && (samples[k + 1] as { t: number }).t <= at) k++;
    const a = samples[k] as { t: number; written: number };
    const b = samples[k + 1];
    if (b === undefined || b.t <= a.t) return a.written;
    return a.written + ((b.written - a.written) * (at - a.t)) / (b.t - a.t);
  };
  const out: number[] = [];
  let before = writtenAt(first.t);
  for (let i = 1; i <= width; i++) {
    const at = i === width ? last.t : first.t + (span * i) / width;
    const now = writtenAt(at);
    out.push(((now - before) * bytesPerSector * 1000) / (span / width));
    before = now;
  }
  return out;
}

/** `▁▃█…` for `values` scaled to their maximum. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  if (max === 0) return BARS[0]?.repeat(values.length) ?? '';
  return values
    .map((v) => BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))])
    .join('');
}

/** The end-of-run line, or undefined when there are too few updates to draw. */
export function sparkSummary(
  collector: SparkCollector,
  bytesPerSector: number,
  oneX: number | null,
): string | undefined {
  const samples = collector.samples();
  const slices = speedSlices(samples, bytesPerSector);
  if (slices.length === 0) return undefined;
  const fmt = (bps: number) =>
    oneX === null ? `${(bps / 1e6).toFixed(1)} MB/s` : `${(bps / oneX).toFixed(1)}x`;
  let line = `speed ${sparkline(slices)} ${fmt(Math.min(...slices))}..${fmt(Math.max(...slices))}`;
  // Until the first WRITEs have filled it the buffer is low: that is the start, not a dip (as
  // report-data.ts; a buffer that never reaches half full is looked at throughout).
  const neverFilled = !samples.some((s) => s.drivePct >= 50);
  let low: { pct: number; lba: number } | undefined;
  let filled = neverFilled;
  for (const s of samples) {
    filled ||= s.drivePct >= 50;
    if (filled && !Number.isNaN(s.drivePct) && (low === undefined || s.drivePct < low.pct)) {
      low = { pct: s.drivePct, lba: s.lba };
    }
  }
  line +=
    low === undefined
      ? '; drive buffer not reported'
      : `; lowest drive buffer ${low.pct.toFixed(0)}% at LBA ${low.lba}`;
  return line;
}
