// Before/after of a change: the same discwright write from two builds, run alternately in one
// invocation. `--before` names the other build's dw-write.js (a copy of dist/ made before the
// change, e.g. `cp -r dist /tmp/dist-before`); this build is "after". Cases:
//   file      1 GiB from a file to `virtual:bd-r?image=<file>&speed=max`, with `dd bs=64k`
//   rewrite   in memory, a rewrite of a formatted BD-RE (the pipeline alone)
//   realtime  `virtual:dvd+r?speed=16x` fed at twice the media rate with random stalls
//   command   the cost of one WRITE: 2 KiB WRITEs (one block each) rewriting a formatted BD-RE
//             in memory, so copies are negligible and the time is the per-command path
//             (engine, recorder, drive); reports microseconds per WRITE (use --size 64m)
//
//   node dist/bench/compare.js --before /tmp/dist-before/bench/dw-write.js --case file
//     [--size 1g] [--runs 5] [--cpu-prof]
//
// `--before-args` and `--after-args` add dw-write.js options (space-separated) to one side only,
// so one build can be compared with itself under another option, e.g. a JIT-warm process:
//   node dist/bench/compare.js --before dist/bench/dw-write.js --after-args=--jit-warmup=256m

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
  type Column,
  type Contender,
} from './lib.js';

const opts = commonOptions(
  { runs: 5, size: '1g' },
  {
    before: { type: 'string' },
    case: { type: 'string', default: 'file' },
    'before-args': { type: 'string', default: '' },
    'after-args': { type: 'string', default: '' },
  },
);
const before = opts.values.before;
if (typeof before !== 'string')
  throw new Error('--before <other build>/bench/dw-write.js is required');
const kind = String(opts.values.case);
const size = `--size=${opts.bytes}`;
const dir = benchDir();
const out = join(dir, 'compare-out.img');
const cleanup = () => {
  remove(out, `${out}.json`);
  syncDisks();
};

let args: string[];
let columns: Column[];
const contenders: Contender[] = [];
let between: () => void = () => undefined;
switch (kind) {
  case 'file': {
    const data = randomFile(join(dir, `random-${opts.bytes}.bin`), opts.bytes);
    args = [`--address=virtual:bd-r?image=${out}&speed=max`, `--source=file:${data}`, size];
    contenders.push({
      name: 'dd bs=64k',
      run: () => timedCommand('dd', [`if=${data}`, `of=${out}`, 'bs=64k'], opts.bytes),
    });
    columns = [Columns.mbps, Columns.cpuSec, Columns.rssMB];
    between = () => {
      cleanup();
      settleMachine([data]);
    };
    break;
  }
  case 'rewrite':
    args = ['--address=virtual:bd-re?formatted=on&speed=max', '--source=memory', size, '--warmup'];
    columns = [Columns.gbps, Columns.cpuPerGiB];
    break;
  case 'realtime':
    // --probe: builds before it was an option always probed, and reject it (compare the
    // realtime case only between builds that have it).
    args = ['--address=virtual:dvd+r?speed=16x', '--source=paced:32x', size, '--eld', '--probe'];
    columns = [
      Columns.mbps,
      Columns.extra('underruns', 'underruns', 0),
      Columns.extra('minFillBytes', 'min fill bytes', 0),
      Columns.extra('eldP99Ms', 'loop delay p99 ms', 2),
    ];
    break;
  case 'command':
    args = [
      '--address=virtual:bd-re?formatted=on&speed=max&maxTransfer=2k',
      '--max-transfer=2048',
      '--source=memory',
      size,
      '--warmup',
    ];
    columns = [
      { title: 'µs per WRITE', value: (s) => (s.ms * 1000) / (s.bytes / 2048), digits: 2 },
      Columns.cpuSec,
    ];
    break;
  default:
    throw new Error(`--case must be file, rewrite, realtime or command, not ${kind}`);
}
const extraArgs = (v: unknown): string[] =>
  String(v)
    .split(' ')
    .filter((a) => a !== '');
const beforeArgs = [...args, ...extraArgs(opts.values['before-args'])];
const afterArgs = [...args, ...extraArgs(opts.values['after-args'])];
/** A contender's name, with the options only it gets. */
const named = (name: string, extra: unknown): string =>
  extraArgs(extra).length === 0 ? name : `${name} (${extraArgs(extra).join(' ')})`;
contenders.push(
  {
    name: named('before', opts.values['before-args']),
    run: () => nodeSample(before, beforeArgs, opts.nodeFlags),
  },
  {
    name: named('after', opts.values['after-args']),
    run: () => nodeSample(DW_WRITE, afterArgs, opts.nodeFlags),
  },
);

process.stderr.write(`compare ${kind}: ${sizeText(opts.bytes)}, ${opts.runs} runs\n`);
const series = await alternate(opts.runs, contenders, between, { rotate: true });
cleanup();
printResult(
  `Before/after, ${kind} (${sizeText(opts.bytes)}, ${opts.runs} runs)`,
  table(series, columns, columns[0]),
);
