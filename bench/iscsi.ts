// Benchmark 3, iSCSI: writeSection() of random data to tgt's emulated DVD+R on loopback, versus
// the same file written to the same LUN by a small libiscsi C program (bench/libiscsi-write.c,
// built here with gcc against Debian's libiscsi-dev) with WRITE(10) at the same transfer size and,
// like the engine, one command in flight. Two LUNs: tgt's default caching mode page (WCE=0, so
// tgtd fdatasync()s after every WRITE) and one with WCE=1 (no flush per WRITE). Every run starts
// on a freshly blanked disc. Needs tgtd/tgtadm (Debian package tgt).
//
//   npm run build && node dist/bench/iscsi.js [--size 512m] [--runs 5] [--transfer 64k]
//     [--before /tmp/dist-before/bench/dw-write.js]   (adds that build as "discwright before")

import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Tgt, tgtAvailability } from '../test/helpers/tgt.js';
import {
  alternate,
  benchDir,
  Columns,
  commonOptions,
  DW_WRITE,
  jsonSample,
  nodeSample,
  parseSize,
  printResult,
  randomFile,
  REPO_ROOT,
  sizeText,
  table,
  which,
  type Contender,
} from './lib.js';

const opts = commonOptions(
  { runs: 5, size: '512m' },
  { transfer: { type: 'string', default: '64k' }, before: { type: 'string' } },
);
const before = typeof opts.values.before === 'string' ? opts.values.before : undefined;
const transfer = parseSize(String(opts.values.transfer));

const available = tgtAvailability();
if (!available.run) {
  printResult('iSCSI', `Not run: ${available.message}.`);
  process.exit(0);
}

/** Builds the libiscsi baseline into the scratch dir; undefined (with a note) when it cannot. */
function buildBaseline(notes: string[]): string | undefined {
  const source = join(REPO_ROOT, 'bench', 'libiscsi-write.c');
  const binary = join(benchDir(), 'libiscsi-write');
  const gcc = which('gcc') ?? which('cc');
  if (gcc === undefined) {
    notes.push('No C compiler: the libiscsi baseline is missing (apt-get install gcc).');
    return undefined;
  }
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  const r = spawnSync(gcc, ['-O2', '-Wall', '-o', binary, source, '-liscsi'], { encoding: 'utf8' });
  if (r.status !== 0) {
    notes.push(
      `Building the libiscsi baseline failed (apt-get install libiscsi-dev): ${r.stderr.trim()}`,
    );
    return undefined;
  }
  return binary;
}

const notes: string[] = [];
const baseline = buildBaseline(notes);
const data = randomFile(join(benchDir(), `random-${opts.bytes}.bin`), opts.bytes);

const tgt = await Tgt.start();
const stop = () => {
  void tgt.stop();
};
process.once('SIGINT', stop);
try {
  const luns = [
    { tid: 1, label: 'WCE=0 (tgt default, fdatasync per WRITE)' },
    { tid: 2, label: 'WCE=1 (no flush per WRITE)' },
  ];
  for (const l of luns) await tgt.addDvdTarget(l.tid);
  // Caching mode page 08h, byte 2 bit 2 = WCE: tgt's bs_rdwr skips its fdatasync() per WRITE.
  await tgt.adm([
    '--mode', 'logicalunit', '--op', 'update', '--tid', '2', '--lun', '1',
    '--params', 'mode_page=8:0:10:4:0:0:0:0:0:0:0:0:0',
  ]); // prettier-ignore

  const contenders: Contender[] = [];
  for (const l of luns) {
    const url = tgt.url(l.tid);
    if (baseline !== undefined) {
      contenders.push({
        name: `libiscsi QD1, ${l.label}`,
        run: () => jsonSample(baseline, [url, data, String(opts.bytes), String(transfer)]),
      });
    }
    const dwArgs = [
      `--address=${url}`,
      `--source=file:${data}`,
      `--size=${opts.bytes}`,
      `--max-transfer=${transfer}`,
    ];
    if (before !== undefined) {
      contenders.push({
        name: `discwright before, ${l.label}`,
        run: () => nodeSample(before, dwArgs, opts.nodeFlags),
      });
    }
    contenders.push({
      name: `discwright, ${l.label}`,
      run: () => nodeSample(DW_WRITE, dwArgs, opts.nodeFlags),
    });
  }
  process.stderr.write(
    `iscsi: ${sizeText(opts.bytes)} in ${transfer}-byte WRITEs, ${opts.runs} runs, tgtd on port ${tgt.port}\n`,
  );
  const series = await alternate(opts.runs, contenders, async () => {
    for (const l of luns) await tgt.blank(l.tid);
  });
  const columns = [Columns.mbps, Columns.cpuSec, Columns.cpuPerGiB, Columns.rssMB];
  const per = series.length / luns.length;
  printResult(
    `iSCSI to tgt's DVD+R on loopback (${sizeText(opts.bytes)}, ${transfer / 1024} KiB per WRITE, ${opts.runs} runs)`,
    luns
      .map((l, i) =>
        [`${l.label}:`, '', table(series.slice(i * per, (i + 1) * per), columns)].join('\n'),
      )
      .join('\n\n'),
    [
      'Wall time and CPU time cover the WRITE loop only (after login); both write the same file',
      'from LBA 0 with WRITE(10), one command in flight. tgtd runs on the same 2 cores.',
      ...notes,
    ],
  );
} finally {
  process.removeListener('SIGINT', stop);
  await tgt.stop();
}
