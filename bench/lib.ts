// Shared benchmark plumbing: alternating runs of a baseline and discwright in one invocation,
// medians and spread, and a Markdown table. Results are ratios against the baseline measured in
// the same invocation, because this machine is noisy (see BENCHMARKS.md).

import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { openSync, writeSync, closeSync, statSync } from 'node:fs';

export interface Sample {
  /** Wall time, ms. */
  readonly ms: number;
  /** Bytes moved. */
  readonly bytes: number;
  /** CPU seconds (user + system) when known. */
  readonly cpuSec?: number;
  /** Peak resident set size, bytes, when known. */
  readonly maxRssBytes?: number;
}

export interface Series {
  readonly name: string;
  readonly samples: Sample[];
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

export function mbps(sample: Sample): number {
  return sample.bytes / 1e6 / (sample.ms / 1000);
}

/** Median MB/s and the min..max spread as text. */
export function summarize(series: Series): { median: number; spread: string } {
  const rates = series.samples.map(mbps);
  return {
    median: median(rates),
    spread: `${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}`,
  };
}

/** Runs each contender `runs` times, alternating, so drift hits all of them alike. */
export async function alternate(
  runs: number,
  contenders: { name: string; run: () => Promise<Sample> | Sample }[],
): Promise<Series[]> {
  const series = contenders.map((c) => ({ name: c.name, samples: [] as Sample[] }));
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < contenders.length; j++) {
      const sample = await contenders[j]!.run();
      series[j]!.samples.push(sample);
      process.stderr.write(
        `  run ${i + 1}/${runs} ${contenders[j]!.name}: ${mbps(sample).toFixed(1)} MB/s\n`,
      );
    }
  }
  return series;
}

/** Markdown table of medians, spreads and ratios against the first series. */
export function table(series: Series[]): string {
  const base = summarize(series[0]!).median;
  const lines = ['| contender | median MB/s | min–max | ratio to baseline |', '|---|---|---|---|'];
  for (const s of series) {
    const { median: m, spread } = summarize(s);
    lines.push(`| ${s.name} | ${m.toFixed(1)} | ${spread} | ${(m / base).toFixed(2)} |`);
  }
  return lines.join('\n');
}

/** A file of random bytes of exactly `bytes` (reused when it already has that size). */
export function randomFile(path: string, bytes: number): string {
  try {
    if (statSync(path).size === bytes) return path;
  } catch {
    // create below
  }
  const fd = openSync(path, 'w');
  const chunk = Buffer.allocUnsafe(8 * 1024 * 1024);
  for (let done = 0; done < bytes;) {
    const n = Math.min(chunk.length, bytes - done);
    randomFillSync(chunk, 0, n);
    writeSync(fd, chunk, 0, n);
    done += n;
  }
  closeSync(fd);
  return path;
}

/** Runs a command and measures it with GNU time's format when available, else wall clock only. */
export function timedCommand(cmd: string, args: string[], bytes: number): Sample {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.toString() ?? ''}`);
  }
  return { ms, bytes };
}

/** Runs a node script that prints one JSON Sample on its last stdout line. */
export function nodeSample(script: string, args: string[]): Sample {
  const r = spawnSync(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${script} failed with status ${String(r.status)}`);
  const lines = r.stdout.toString().trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Sample;
}
