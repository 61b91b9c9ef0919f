// Benchmark 5, real-time behaviour: a paced write to `virtual:dvd+r?speed=16x` (22.2 MB/s, 4 MiB
// drive buffer) fed by a source that delivers at twice the media rate, with and without random
// stalls (10–250 ms, on average once every 20 MiB, the same seeded pattern every run). Reports
// underruns (must be 0), the lowest drive-buffer fill seen when a WRITE arrived (the first WRITE
// excepted), and event-loop delay percentiles (perf_hooks.monitorEventLoopDelay, 1 ms resolution)
// during the write. The baseline is the same write from a source that never stalls.
//
//   npm run build && node dist/bench/realtime.js [--size 2g] [--runs 3]

import {
  alternate,
  Columns,
  commonOptions,
  DW_WRITE,
  nodeSample,
  printResult,
  sizeText,
  table,
  type Contender,
} from './lib.js';

const opts = commonOptions({ runs: 3, size: '2g' }, { speed: { type: 'string', default: '16x' } });
const speed = String(opts.values.speed);
const speedX = Number(speed.replace(/x$/i, ''));
const address = `--address=virtual:dvd+r?speed=${speedX}x`;
// The source's rate is a multiple of DVD 1x (1,385,000 bytes/s): twice the write speed.
const common = [
  address,
  `--source=paced:${2 * speedX}x`,
  `--size=${opts.bytes}`,
  '--eld',
  '--probe',
];

const contenders: Contender[] = [
  {
    name: 'source at 2x, no stalls',
    run: () => nodeSample(DW_WRITE, [...common, '--stalls=0'], opts.nodeFlags),
  },
  {
    name: 'source at 2x, random stalls',
    run: () => nodeSample(DW_WRITE, [...common, '--stalls=0.05'], opts.nodeFlags),
  },
];

process.stderr.write(`realtime: ${sizeText(opts.bytes)} at ${speed}, ${opts.runs} runs\n`);
const series = await alternate(opts.runs, contenders);
printResult(
  `Real-time behaviour (DVD+R ${speed}, ${sizeText(opts.bytes)}, ${opts.runs} runs)`,
  table(
    series,
    [
      Columns.mbps,
      Columns.extra('underruns', 'underruns', 0),
      { title: 'min drive buffer %', value: (x) => fillPercent(x, 'minFillBytes'), digits: 0 },
      {
        title: 'min drive buffer % after ramp',
        value: (x) => fillPercent(x, 'minFillSteadyBytes'),
        digits: 0,
      },
      Columns.extra('eldP50Ms', 'loop delay p50 ms', 2),
      Columns.extra('eldP99Ms', 'loop delay p99 ms', 2),
      Columns.extra('eldMaxMs', 'loop delay max ms', 1),
      Columns.extra('stalls', 'source stalls', 0, false),
      Columns.cpuPerGiB,
    ],
    Columns.mbps,
  ),
  [
    'Min drive buffer: the lowest fill of the 4 MiB drive buffer when a WRITE arrived, in % of',
    'its size, from the second WRITE on; "after ramp" counts only once the buffer had been 90%',
    'full. Loop delay: how late a 1 ms timer fired while the section was written.',
  ],
);

function fillPercent(s: { extra?: Readonly<Record<string, number>> }, key: string): number {
  const fill = s.extra?.[key];
  const size = s.extra?.driveBufferBytes;
  return fill === undefined || size === undefined ? NaN : (fill / size) * 100;
}
