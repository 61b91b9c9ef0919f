// Benchmark 2, the pipeline itself: writeSection() of random bytes held in memory to an in-memory
// virtual drive, versus a plain copy of the same bytes through a 64 KiB staging buffer into 512 KiB
// chunks (the baseline: what the same data movement costs without the engine). Two cases:
//
//   first write   the drive's in-memory disc grows as it is written, so every byte lands on a
//                 page the kernel must fault in and zero (virtual:bd-r?speed=max);
//   rewrite       the same section written again over a formatted BD-RE whose pages are already
//                 resident (an untimed first pass), which isolates the engine, recorder and
//                 drive command path from the allocator (virtual:bd-re?formatted=on&speed=max).
//
//   npm run build && node dist/bench/in-memory.js [--size 1g] [--runs 5] [--cpu-prof]

import {
  alternate,
  Columns,
  commonOptions,
  DW_WRITE,
  BENCH_DIST,
  nodeSample,
  printResult,
  sizeText,
  table,
  type Contender,
} from './lib.js';
import { join } from 'node:path';

const opts = commonOptions({ runs: 5, size: '1g' });
const COPY = join(BENCH_DIST, 'copy-baseline.js');
const size = `--size=${opts.bytes}`;

const contenders: Contender[] = [
  { name: 'memcpy, fresh pages', run: () => nodeSample(COPY, [size]) },
  {
    name: 'discwright, first write',
    run: () =>
      nodeSample(
        DW_WRITE,
        ['--address=virtual:bd-r?speed=max', '--source=memory', size],
        opts.nodeFlags,
      ),
  },
  { name: 'memcpy, resident pages', run: () => nodeSample(COPY, [size, '--resident']) },
  {
    name: 'discwright, rewrite',
    run: () =>
      nodeSample(
        DW_WRITE,
        ['--address=virtual:bd-re?formatted=on&speed=max', '--source=memory', size, '--warmup'],
        opts.nodeFlags,
      ),
  },
];

process.stderr.write(`in-memory: ${sizeText(opts.bytes)}, ${opts.runs} runs\n`);
const series = await alternate(opts.runs, contenders);
const columns = [Columns.gbps, Columns.cpuPerGiB];
printResult(
  `Engine overhead, in memory (${sizeText(opts.bytes)}, ${opts.runs} runs)`,
  [
    'First write (the in-memory disc grows):',
    '',
    table(series.slice(0, 2), columns, Columns.gbps),
    '',
    'Rewrite (pages already resident):',
    '',
    table(series.slice(2, 4), columns, Columns.gbps),
  ].join('\n'),
  ['CPU s/GiB is user + system time of the whole process (all threads) during the timed part.'],
);
