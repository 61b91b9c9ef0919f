// Benchmark 7, the whole command (issue #21, point 6): what a user times, process start to exit.
// `discwright write-section 'virtual:bd-r?image=<out>&speed=max' <source> --lba 0` (the CLI,
// dist/src/cli/main.js, in a fresh process, its output to /dev/null) against `dd bs=64k` of the
// same file to the same file system, and against `dd bs=64k conv=fdatasync`, which gives what
// discwright's exit status 0 promises: the data on stable storage (SYNCHRONIZE CACHE fsyncs the
// image, docs/virtual-drive.md "Crash consistency"). Alternating runs per size, medians, ratios
// to plain dd. With --timeline, one extra run of the CLI prints where its time goes
// (bench/command-timeline.ts).
//
//   npm run build && node dist/bench/whole-command.js [--sizes 512m,1g] [--runs 7] [--timeline]
//     [--before <other build>/src/cli/main.js]

import { join } from 'node:path';
import {
  alternate,
  benchDir,
  BENCH_DIST,
  Columns,
  parseSize,
  printResult,
  randomFile,
  remove,
  REPO_ROOT,
  settleMachine,
  sizeText,
  syncDisks,
  table,
  timedCommand,
  type Column,
  type Contender,
  type Series,
} from './lib.js';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '512m,1g' },
    runs: { type: 'string', default: '7' },
    timeline: { type: 'boolean', default: false },
    // Another build's CLI (…/dist/src/cli/main.js) as a further contender: before/after a change.
    before: { type: 'string' },
  },
});
const runs = Number(values.runs);
const sizes = String(values.sizes).split(',').map(parseSize);
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const dir = benchDir();
const out = join(dir, 'whole-command-out.img');

/** Wall time of a whole process (spawn to exit), CPU and peak RSS through GNU time. */
const seconds: Column = { title: 'process s', value: (s) => s.ms / 1000, digits: 3 };

for (const bytes of sizes) {
  const data = randomFile(join(dir, `random-${bytes}.bin`), bytes);
  const cleanup = () => {
    remove(out, `${out}.json`, `${out}.lock`);
    syncDisks();
    settleMachine([data]);
  };
  const contenders: Contender[] = [
    {
      name: 'dd bs=64k',
      run: () => timedCommand('dd', [`if=${data}`, `of=${out}`, 'bs=64k'], bytes),
    },
    {
      name: 'dd bs=64k conv=fdatasync',
      run: () => timedCommand('dd', [`if=${data}`, `of=${out}`, 'bs=64k', 'conv=fdatasync'], bytes),
    },
    {
      name: 'discwright write-section',
      run: () =>
        timedCommand(
          process.execPath,
          [CLI, 'write-section', `virtual:bd-r?image=${out}&speed=max`, data, '--lba', '0'],
          bytes,
        ),
    },
  ];
  const before = values.before;
  if (before !== undefined) {
    contenders.push({
      name: 'discwright write-section (--before build)',
      run: () =>
        timedCommand(
          process.execPath,
          [before, 'write-section', `virtual:bd-r?image=${out}&speed=max`, data, '--lba', '0'],
          bytes,
        ),
    });
  }
  process.stderr.write(`whole command: ${sizeText(bytes)}, ${runs} runs, data ${data}\n`);
  const series: Series[] = await alternate(runs, contenders, cleanup, { rotate: true });
  const [, synced, dw] = series;
  const ratio = (a: Series, b: Series) =>
    (Columns.mbps.value(medianSample(a)) / Columns.mbps.value(medianSample(b))).toFixed(2);
  printResult(
    `The whole command, process start to exit (${sizeText(bytes)}, ${runs} runs)`,
    table(series, [seconds, Columns.mbps, Columns.cpuSec, Columns.rssMB], Columns.mbps),
    [`discwright against dd bs=64k conv=fdatasync (the same guarantee): ${ratio(dw!, synced!)} ×.`],
  );
  if (values.timeline === true) {
    cleanup();
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        join(BENCH_DIST, 'command-timeline.js'),
        CLI,
        'write-section',
        `virtual:bd-r?image=${out}&speed=max`,
        data,
        '--lba',
        '0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
    );
    process.stdout.write(`Timeline of one run (${sizeText(bytes)}):\n\n${r.stderr}\n`);
  }
  cleanup();
}

/** The sample whose wall time is the series' median (upper median for an even count). */
function medianSample(s: Series) {
  const sorted = [...s.samples].sort((a, b) => a.ms - b.ms);
  return sorted[Math.floor(sorted.length / 2)]!;
}
