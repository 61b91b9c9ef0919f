// Shared benchmark plumbing: alternating runs of a baseline and discwright in one invocation,
// medians and spread, Markdown tables, the scratch directory, random data files, and running
// external programs and discwright child processes with their CPU time and peak RSS. Results are
// ratios against the baseline measured in the same invocation, because this machine is shared and
// noisy (see BENCHMARKS.md).

import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export interface Sample {
  /** Wall time, ms. */
  readonly ms: number;
  /** Bytes moved. */
  readonly bytes: number;
  /** CPU seconds (user + system) when known. */
  readonly cpuSec?: number;
  /** Peak resident set size, bytes, when known. */
  readonly maxRssBytes?: number;
  /** Further figures a contender reports (underruns, percentiles…). */
  readonly extra?: Readonly<Record<string, number>>;
}

export interface Series {
  readonly name: string;
  readonly samples: Sample[];
}

export interface Contender {
  readonly name: string;
  run(): Promise<Sample> | Sample;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

export function mbps(sample: Sample): number {
  return sample.bytes / 1e6 / (sample.ms / 1000);
}

/** CPU seconds per GiB moved (NaN when the CPU time is unknown). */
export function cpuPerGiB(sample: Sample): number {
  return sample.cpuSec === undefined ? NaN : sample.cpuSec / (sample.bytes / GiB);
}

/** A column of a result table: a per-sample figure, summarised as median and min–max. */
export interface Column {
  readonly title: string;
  value(sample: Sample): number;
  readonly digits?: number;
  /** Show the min–max spread next to the median (default true). */
  readonly spread?: boolean;
}

export const Columns = {
  mbps: { title: 'MB/s', value: mbps, digits: 0 },
  gbps: { title: 'GB/s', value: (s: Sample) => mbps(s) / 1000, digits: 2 },
  cpuPerGiB: { title: 'CPU s/GiB', value: cpuPerGiB, digits: 2 },
  cpuSec: { title: 'CPU s', value: (s: Sample) => s.cpuSec ?? NaN, digits: 2 },
  rssMB: { title: 'peak RSS MB', value: (s: Sample) => (s.maxRssBytes ?? NaN) / 1e6, digits: 0 },
  extra: (key: string, title: string, digits = 1, spread = true): Column => ({
    title,
    value: (s) => s.extra?.[key] ?? NaN,
    digits,
    spread,
  }),
} as const;

function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}

/** Median of a column over a series. */
export function columnMedian(series: Series, column: Column): number {
  return median(series.samples.map((s) => column.value(s)).filter((v) => !Number.isNaN(v)));
}

/**
 * Markdown table: per series the median (and min–max) of every column, plus the ratio of the
 * `ratioOf` column's median to the first series' (the baseline of the same run); null: no ratio.
 */
export function table(
  series: readonly Series[],
  columns: readonly Column[] = [Columns.mbps],
  ratioOf: Column | null = columns[0] ?? null,
): string {
  const head = ['contender', 'runs'];
  for (const c of columns) {
    head.push(`${c.title} (median)`);
    if (c.spread !== false) head.push('min–max');
  }
  if (ratioOf !== null) head.push(`ratio (${ratioOf.title}) to ${series[0]!.name}`);
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const base = ratioOf === null ? NaN : columnMedian(series[0]!, ratioOf);
  for (const s of series) {
    const cells = [s.name, String(s.samples.length)];
    for (const c of columns) {
      const values = s.samples.map((x) => c.value(x)).filter((v) => !Number.isNaN(v));
      const d = c.digits ?? 1;
      cells.push(fmt(median(values), d));
      if (c.spread !== false) {
        cells.push(
          values.length === 0
            ? '–'
            : `${fmt(Math.min(...values), d)}–${fmt(Math.max(...values), d)}`,
        );
      }
    }
    if (ratioOf !== null) cells.push(fmt(columnMedian(s, ratioOf) / base, 2));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * Runs each contender `runs` times, alternating, so drift hits all of them alike. `between` runs
 * before every single run, untimed (cleanup, `sync`), so one run's leftovers (dirty pages, a
 * written image) do not slow the next contender. With `rotate`, every second run goes through
 * the contenders in reverse order, so no contender always follows the same one (on the recorded
 * machine a write's speed depended on what the previous run had written and deleted).
 */
export async function alternate(
  runs: number,
  contenders: readonly Contender[],
  between: () => Promise<void> | void = () => undefined,
  options: { rotate?: boolean } = {},
): Promise<Series[]> {
  const series = contenders.map((c) => ({ name: c.name, samples: [] as Sample[] }));
  const n = contenders.length;
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < n; k++) {
      const j = options.rotate === true && i % 2 === 1 ? n - 1 - k : k;
      await between();
      const sample = await contenders[j]!.run();
      series[j]!.samples.push(sample);
      const cpu = sample.cpuSec === undefined ? '' : `, CPU ${sample.cpuSec.toFixed(2)} s`;
      const rss =
        sample.maxRssBytes === undefined ? '' : `, RSS ${(sample.maxRssBytes / 1e6).toFixed(0)} MB`;
      process.stderr.write(
        `  run ${i + 1}/${runs} ${contenders[j]!.name}: ${mbps(sample).toFixed(1)} MB/s${cpu}${rss}\n`,
      );
    }
  }
  return series;
}

/**
 * The scratch directory for generated data: `$DW_BENCH_DIR`, else `<os tmpdir>/discwright-bench`.
 * Never inside the repository. Data files are reused across invocations when their size fits.
 */
export function benchDir(): string {
  const dir = process.env.DW_BENCH_DIR ?? join(tmpdir(), 'discwright-bench');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A file of random bytes of exactly `bytes` (reused when it already has that size). */
export function randomFile(path: string, bytes: number): string {
  try {
    if (statSync(path).size === bytes) return path;
  } catch {
    // create below
  }
  process.stderr.write(`  generating ${bytes} random bytes in ${path}\n`);
  const fd = openSync(path, 'w');
  const chunk = Buffer.allocUnsafe(8 * MiB);
  for (let done = 0; done < bytes;) {
    const n = Math.min(chunk.length, bytes - done);
    randomFillSync(chunk, 0, n);
    writeSync(fd, chunk, 0, n);
    done += n;
  }
  closeSync(fd);
  return path;
}

/** Removes files (missing ones are fine). */
export function remove(...paths: string[]): void {
  for (const p of paths) rmSync(p, { force: true, recursive: true });
}

/** Flushes dirty pages, so the next timed run does not pay for the previous run's writeback. */
export function syncDisks(): void {
  spawnSync('sync', [], { stdio: 'ignore' });
}

/**
 * Puts the machine in the same state before every timed run, whoever runs next:
 * - the source files are read once, so each run reads them from the page cache (this VM's
 *   memory manager pages out cold page-cache pages between runs; a run that read part of its
 *   source from the virtual disk would measure the disk);
 * - `warmBytes` of memory are written and freed by a child process. This VM hands free guest
 *   memory back to its host after a few idle seconds, and the next writer that lands on such
 *   pages pays a host fault per page: measured with `dd bs=64k` of 1 GiB, 0.5–1.0 GB/s after
 *   3 s idle against 1.5–2.7 GB/s right after the memory was touched (BENCHMARKS.md, "Conditions").
 */
export function settleMachine(sources: readonly string[], warmBytes = 2 * GiB): void {
  const chunk = Buffer.allocUnsafe(8 * MiB);
  for (const path of sources) {
    const fd = openSync(path, 'r');
    try {
      while (readSync(fd, chunk, 0, chunk.length, null) > 0) {
        // reading is the point
      }
    } finally {
      closeSync(fd);
    }
  }
  if (warmBytes > 0) {
    spawnSync(process.execPath, ['-e', `Buffer.allocUnsafeSlow(${warmBytes}).fill(1)`], {
      stdio: 'ignore',
    });
  }
}

/** Path of an executable on PATH or in the sbin directories, or undefined. */
export function which(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin']);
  for (const d of dirs) {
    if (d !== '' && existsSync(join(d, name))) return join(d, name);
  }
  return undefined;
}

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Runs a program and measures it: wall clock here; CPU time and peak RSS through GNU time
 * (`/usr/bin/time -f`) when it is installed.
 */
export function timedCommand(cmd: string, args: readonly string[], bytes: number): Sample {
  const report = join(benchDir(), `time-${process.pid}.txt`);
  const argv =
    GNU_TIME === undefined ? [cmd, ...args] : ['-o', report, '-f', '%U %S %M', cmd, ...args];
  const t0 = performance.now();
  const r = spawnSync(GNU_TIME ?? cmd, GNU_TIME === undefined ? args : argv, {
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * MiB,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${String(r.status)}): ${r.stderr.toString()}`,
    );
  }
  if (GNU_TIME === undefined) return { ms, bytes };
  const [user, sys, rssKb] = readFileSync(report, 'utf8').trim().split('\n').pop()!.split(' ');
  remove(report);
  return {
    ms,
    bytes,
    cpuSec: Number(user) + Number(sys),
    maxRssBytes: Number(rssKb) * 1024,
  };
}

/** Runs a program that prints one JSON Sample on its last stdout line. */
export function jsonSample(cmd: string, args: readonly string[]): Sample {
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * MiB,
  });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with status ${String(r.status)}`);
  }
  const lines = r.stdout.toString().trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Sample;
}

/** Runs a node script (in a fresh process, so RSS and CPU are its own) that prints a Sample. */
export function nodeSample(
  script: string,
  args: readonly string[],
  nodeFlags: string[] = [],
): Sample {
  return jsonSample(process.execPath, [...nodeFlags, script, ...args]);
}

/** The compiled `dist/bench/` directory this module lives in. */
export const BENCH_DIST = dirname(fileURLToPath(import.meta.url));

/** The per-run discwright child (dist/bench/dw-write.js). */
export const DW_WRITE = join(BENCH_DIST, 'dw-write.js');

/** The repository root (dist/bench/../..). */
export const REPO_ROOT = join(BENCH_DIST, '..', '..');

/** Options every comparison script accepts. */
export interface CommonOptions {
  readonly runs: number;
  /** Section size, bytes. */
  readonly bytes: number;
  /** Extra flags for the discwright child (e.g. `--cpu-prof`). */
  readonly nodeFlags: string[];
  readonly values: Record<string, string | boolean | undefined>;
}

/** Parses `--runs N --size 1g --cpu-prof --<extra>` with defaults per script. */
export function commonOptions(
  defaults: { runs: number; size: string },
  extra: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = {},
): CommonOptions {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: String(defaults.runs) },
      size: { type: 'string', default: defaults.size },
      'cpu-prof': { type: 'boolean', default: false },
      ...extra,
    },
  });
  const nodeFlags: string[] = [];
  if (values['cpu-prof'] === true) {
    const dir = join(benchDir(), 'profiles');
    mkdirSync(dir, { recursive: true });
    nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    process.stderr.write(`  CPU profiles go to ${dir}\n`);
  }
  return {
    runs: Number(values.runs),
    bytes: parseSize(String(values.size)),
    nodeFlags,
    values,
  };
}

/** `64m`, `1g`, `512M`, `4G`, `1048576` → bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (m === null) throw new Error(`bad size: ${text}`);
  const unit = { '': 1, k: 1024, m: MiB, g: GiB }[m[2]!.toLowerCase()]!;
  const bytes = Math.round(Number(m[1]) * unit);
  if (bytes % 2048 !== 0) throw new Error(`size ${text} is not a whole number of 2048-byte blocks`);
  return bytes;
}

export function sizeText(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return `${bytes} bytes`;
}

/** Load averages when the script started (the machine is shared; see BENCHMARKS.md). */
const START_LOAD = loadavg();

/** One line describing the machine and its load, printed above every table. */
export function conditions(): string {
  const cpu = cpus();
  const [l1, l5] = START_LOAD;
  const [n1] = loadavg();
  return [
    `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}`,
    `${(totalmem() / GiB).toFixed(0)} GiB RAM`,
    `Linux ${release()}`,
    `Node ${process.version}`,
    `load average ${l1!.toFixed(2)} / ${l5!.toFixed(2)} (1 / 5 min) at the start, ${n1!.toFixed(2)} at the end`,
    `scratch dir ${benchDir()}`,
  ].join('; ');
}

/** Prints a heading, the conditions and the table to stdout (progress goes to stderr). */
export function printResult(title: string, body: string, notes: readonly string[] = []): void {
  const out = [`### ${title}`, '', `Conditions: ${conditions()}.`, '', body];
  if (notes.length > 0) out.push('', ...notes);
  process.stdout.write(`${out.join('\n')}\n\n`);
}
