// Benchmark 1, engine overhead against a file-backed drive: writeSection() of random data to
// `virtual:bd-r?image=<file>&speed=max`, versus `dd bs=64k` of the same file to the same
// filesystem, versus xorriso (libburn) writing it to a `stdio:` pseudo-drive. Each run writes a
// fresh output file; dirty pages are flushed (untimed) before every run.
//
//   npm run build && node dist/bench/file-backed.js [--size 1g] [--runs 5] [--large-transfer]
//     [--no-xorriso] [--cpu-prof]

import { join } from 'node:path';
import {
  alternate,
  benchDir,
  Columns,
  commonOptions,
  DW_WRITE,
  nodeSample,
  printResult,
  randomFile,
  remove,
  sizeText,
  settleMachine,
  syncDisks,
  table,
  timedCommand,
  which,
  type Contender,
} from './lib.js';

const opts = commonOptions(
  { runs: 5, size: '1g' },
  { 'no-xorriso': { type: 'boolean' }, 'large-transfer': { type: 'boolean' } },
);
const dir = benchDir();
const data = randomFile(join(dir, `random-${opts.bytes}.bin`), opts.bytes);
const out = join(dir, 'file-backed-out.img');
const cleanup = () => {
  remove(out, `${out}.json`);
  syncDisks();
  settleMachine([data]);
};

const contenders: Contender[] = [
  {
    name: 'dd bs=64k',
    run: () => timedCommand('dd', [`if=${data}`, `of=${out}`, 'bs=64k'], opts.bytes),
  },
  {
    name: 'discwright writeSection',
    run: () =>
      nodeSample(
        DW_WRITE,
        [
          `--address=virtual:bd-r?image=${out}&speed=max`,
          `--source=file:${data}`,
          `--size=${opts.bytes}`,
        ],
        opts.nodeFlags,
      ),
  },
];
if (opts.values['large-transfer'] === true) {
  // Not part of the comparison at 64 KiB: shows how much of the gap is per-command overhead.
  contenders.push({
    name: 'discwright, 1 MiB WRITEs',
    run: () =>
      nodeSample(
        DW_WRITE,
        [
          `--address=virtual:bd-r?image=${out}&speed=max&maxTransfer=1m`,
          `--source=file:${data}`,
          `--size=${opts.bytes}`,
          '--max-transfer=1m',
        ],
        opts.nodeFlags,
      ),
  });
}
const xorriso = which('xorriso');
const notes: string[] = [];
if (opts.values['no-xorriso'] !== true) {
  if (xorriso === undefined) {
    notes.push('xorriso is not installed (apt-get install xorriso): its row is missing.');
  } else {
    contenders.push({
      name: 'xorriso stdio: (libburn)',
      run: () => timedCommand(xorriso, ['-as', 'cdrecord', `dev=stdio:${out}`, data], opts.bytes),
    });
  }
}

process.stderr.write(`file-backed: ${sizeText(opts.bytes)}, ${opts.runs} runs, data ${data}\n`);
const series = await alternate(opts.runs, contenders, cleanup, { rotate: true });
cleanup();
printResult(
  `Engine overhead, file-backed (${sizeText(opts.bytes)}, ${opts.runs} runs)`,
  table(series, [Columns.mbps, Columns.cpuSec, Columns.rssMB], Columns.mbps),
  notes,
);
