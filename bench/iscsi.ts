// Benchmark 3, iSCSI: writeSection() of random data to tgt's emulated DVD+R on loopback, versus
// the same file written to the same LUN by a small libiscsi C program (bench/libiscsi-write.c,
// built here with gcc against Debian's libiscsi-dev) with WRITE(10) at the same transfer size and
// the same queue depth (commands in flight). Two LUNs: tgt's default caching mode page (WCE=0, so
// tgtd fdatasync()s after every WRITE) and one with WCE=1 (no flush per WRITE). Every run starts
// on a freshly blanked disc. Needs tgtd/tgtadm (Debian package tgt).
//
// Distance: `--rtt 0,1,5,20,50` runs every contender through the delay proxy
// (test/helpers/delay-proxy.ts) at each round-trip time (half of it each way); `--qd 1,8` at each
// queue depth (discwright's WriteEngine.queueDepth, the C writer's asynchronous window).
// `--defaults` adds discwright with none of its options given: the queue depth, WRITE size and
// host buffer it chooses by itself for the path (docs/decisions.md, "Transfer size from the path").
//
//   npm run build && node dist/bench/iscsi.js [--size 512m] [--runs 5] [--transfer 64k]
//     [--rtt 0] [--qd 1] [--wce both|0|1] [--host-buffer 16m] [--defaults]
//     [--before /tmp/dist-before/bench/dw-write.js]   (adds that build as "discwright before")

import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startDelayProxyThread } from '../test/helpers/delay-proxy.js';
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
  {
    transfer: { type: 'string', default: '64k' },
    before: { type: 'string' },
    rtt: { type: 'string', default: '0' },
    qd: { type: 'string', default: '1' },
    wce: { type: 'string', default: 'both' },
    /** discwright's host buffer (WriteEngine.hostBufferSize), e.g. 16m; default the engine's. */
    'host-buffer': { type: 'string' },
    /** Add "discwright defaults": no --queue-depth, --max-transfer or --host-buffer given. */
    defaults: { type: 'boolean', default: false },
  },
);
const list = (v: unknown) => String(v).split(',').map(Number);
const rtts = list(opts.values.rtt);
const depths = list(opts.values.qd);
const wce = String(opts.values.wce);
const before = typeof opts.values.before === 'string' ? opts.values.before : undefined;
const transfer = parseSize(String(opts.values.transfer));
const hostBuffer =
  typeof opts.values['host-buffer'] === 'string' ? opts.values['host-buffer'] : undefined;

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
  ].filter((l) => wce === 'both' || String(l.tid - 1) === wce);
  for (const l of luns) await tgt.addDvdTarget(l.tid);
  // Caching mode page 08h, byte 2 bit 2 = WCE: tgt's bs_rdwr skips its fdatasync() per WRITE.
  if (luns.some((l) => l.tid === 2)) {
    await tgt.adm([
      '--mode', 'logicalunit', '--op', 'update', '--tid', '2', '--lun', '1',
      '--params', 'mode_page=8:0:10:4:0:0:0:0:0:0:0:0:0',
    ]); // prettier-ignore
  }
  // One delay proxy per round-trip time, all in front of the same tgtd.
  const proxies = new Map<number, { readonly port: number; close(): Promise<void> }>();
  for (const rtt of rtts) {
    if (rtt === 0) continue;
    // On its own thread: each contender runs with spawnSync, which blocks this one.
    proxies.set(
      rtt,
      await startDelayProxyThread({
        target: { host: '127.0.0.1', port: tgt.port },
        delayMs: rtt / 2,
      }),
    );
  }
  const urlAt = (tid: number, rtt: number) => {
    const p = proxies.get(rtt);
    return p === undefined ? tgt.url(tid) : tgt.url(tid).replace(`:${tgt.port}/`, `:${p.port}/`);
  };

  const groups: { title: string; contenders: Contender[] }[] = [];
  for (const l of luns) {
    for (const rtt of rtts) {
      const contenders: Contender[] = [];
      const url = urlAt(l.tid, rtt);
      for (const qd of depths) {
        if (baseline !== undefined) {
          const args = [url, data, String(opts.bytes), String(transfer), String(qd)];
          contenders.push({ name: `libiscsi QD${qd}`, run: () => jsonSample(baseline, args) });
        }
        const dwArgs = [
          `--address=${url}`,
          `--source=file:${data}`,
          `--size=${opts.bytes}`,
          `--max-transfer=${transfer}`,
          `--queue-depth=${qd}`,
          ...(hostBuffer === undefined ? [] : [`--host-buffer=${hostBuffer}`]),
        ];
        if (before !== undefined) {
          contenders.push({
            name: `discwright before QD${qd}`,
            run: () => nodeSample(before, dwArgs, opts.nodeFlags),
          });
        }
        contenders.push({
          name: `discwright QD${qd}`,
          run: () => nodeSample(DW_WRITE, dwArgs, opts.nodeFlags),
        });
      }
      if (opts.values.defaults === true) {
        const args = [`--address=${url}`, `--source=file:${data}`, `--size=${opts.bytes}`];
        contenders.push({
          name: 'discwright defaults',
          run: () => nodeSample(DW_WRITE, args, opts.nodeFlags),
        });
      }
      groups.push({ title: `${l.label}, RTT ${rtt} ms:`, contenders });
    }
  }
  process.stderr.write(
    `iscsi: ${sizeText(opts.bytes)} in ${transfer}-byte WRITEs, ${opts.runs} runs, RTT ${rtts.join('/')} ms, QD ${depths.join('/')}, tgtd on port ${tgt.port}\n`,
  );
  const results: string[] = [];
  for (const g of groups) {
    process.stderr.write(`  ${g.title}\n`);
    const series = await alternate(opts.runs, g.contenders, async () => {
      for (const l of luns) await tgt.blank(l.tid);
    });
    results.push(
      [
        g.title,
        '',
        table(series, [Columns.mbps, Columns.cpuSec, Columns.cpuPerGiB, Columns.rssMB]),
      ].join('\n'),
    );
  }
  for (const p of proxies.values()) await p.close();
  printResult(
    `iSCSI to tgt's DVD+R on loopback (${sizeText(opts.bytes)}, ${transfer / 1024} KiB per WRITE, ${opts.runs} runs)`,
    results.join('\n\n'),
    [
      'Wall time and CPU time cover the WRITE loop only (after login); both write the same file',
      'from LBA 0 with WRITE(10); QDn = n commands in flight (discwright ORDERED, libiscsi',
      'SIMPLE). RTT > 0: through the delay proxy (half the RTT each way; a Node relay in the',
      'bench process, on the same cores). tgtd runs on the same 2 cores.',
      ...notes,
    ],
  );
} finally {
  process.removeListener('SIGINT', stop);
  await tgt.stop();
}
