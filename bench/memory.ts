// Benchmark 4, memory: peak RSS of one discwright process writing a section of 64 MiB, 1 GiB and
// 4 GiB, against the same process that opens the drive and writes nothing (the baseline: Node,
// discwright's modules and the virtual drive). The drive keeps the disc in an image file (page
// cache, not RSS) and the source is a BlockReader that copies from a 1 MiB block, so whatever
// grows with the section would be the engine's. The peak must not grow with the section.
//
//   npm run build && node dist/bench/memory.js [--runs 3] [--sizes 64m,1g,4g]

import { join } from 'node:path';
import {
  alternate,
  benchDir,
  Columns,
  commonOptions,
  DW_WRITE,
  nodeSample,
  parseSize,
  printResult,
  remove,
  sizeText,
  syncDisks,
  table,
  type Contender,
} from './lib.js';

const opts = commonOptions(
  { runs: 3, size: '64m' },
  { sizes: { type: 'string', default: '64m,1g,4g' } },
);
const sizes = String(opts.values.sizes).split(',').map(parseSize);
const image = join(benchDir(), 'memory-out.img');
const address = `--address=virtual:bd-r?image=${image}&speed=max`;
const cleanup = () => {
  remove(image, `${image}.json`);
  syncDisks();
};

const contenders: Contender[] = [
  {
    name: 'opened, nothing written',
    run: () => nodeSample(DW_WRITE, [address, '--open-only'], opts.nodeFlags),
  },
  ...sizes.map((bytes) => ({
    name: `writeSection ${sizeText(bytes)}`,
    run: () => nodeSample(DW_WRITE, [address, '--source=gen', `--size=${bytes}`], opts.nodeFlags),
  })),
];

process.stderr.write(`memory: ${sizes.map(sizeText).join(', ')}, ${opts.runs} runs\n`);
const series = await alternate(opts.runs, contenders, cleanup);
cleanup();
printResult(
  `Peak RSS (${opts.runs} runs)`,
  table(series, [Columns.rssMB, Columns.mbps], Columns.rssMB),
  [
    'Peak RSS is `process.resourceUsage().maxRSS` of the whole process at its end, so it includes',
    "Node itself, the modules, the engine's 8 MiB slot pool and the drive.",
  ],
);
