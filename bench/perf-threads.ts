// Summarises `perf script` output of one discwright write by kind of thread: the image writer
// thread, the JS thread, the thread pool's source reads, V8's compiler and garbage collector, and
// the image's fsync at close (outside the timed part). Each sample is classified by its call
// chain, so the table does not depend on thread ids or names. BENCHMARKS.md, "File-backed: the
// reader's round trip", and docs/benchmarks-history.md, "File-backed: zero-copy hand-off", have
// tables made with it.
//
//   perf record -e cpu-clock -F 2000 -g -o /tmp/dw.perf -- \
//     node dist/bench/dw-write.js --address='virtual:bd-r?image=/tmp/x.img&speed=max' \
//     --source=file:<data> --size=1g
//   perf script -i /tmp/dw.perf -F tid,ip,sym | node dist/bench/perf-threads.js [--hz 2000]

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { hz: { type: 'string', default: '2000' } },
});
const text = readFileSync(positionals[0] ?? 0, 'utf8');
const msPerSample = 1000 / Number(values.hz);

/** Kinds in the order the table lists them; the first whose test matches a sample wins. */
const KINDS: readonly { readonly name: string; readonly test: (chain: string) => boolean }[] = [
  { name: 'image writer thread', test: (c) => /Worker::Run|worker::Worker/.test(c) },
  { name: 'V8 compiler threads', test: (c) => /compiler::|OptimizingCompile|PipelineImpl/.test(c) },
  {
    name: 'V8 garbage collector',
    test: (c) => /ConcurrentMarking|Sweeper|Scaveng|MarkCompact|IncrementalMarking/.test(c),
  },
];

const counts = new Map<string, number>();
let mainTid: number | undefined;
let total = 0;

function classify(tid: number, chain: string): string {
  for (const k of KINDS) if (k.test(chain)) return k.name;
  if (tid === mainTid) return 'JS thread (engine, recorder, drive)';
  if (/fsync|ext4_writepages|do_writepages/.test(chain)) return 'fsync at close (untimed)';
  if (/ksys_read|vfs_read|filemap_read|ksys_pread/.test(chain)) return 'thread pool (source reads)';
  return 'other';
}

// A sample is a line with the thread id alone, then one line per frame: "<address> <symbol>".
let tid: number | undefined;
let frames: string[] = [];
const flush = (): void => {
  if (tid === undefined) return;
  mainTid ??= tid; // the first sample comes from the process's first thread
  const kind = classify(tid, frames.join(' '));
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
  total++;
};
for (const line of text.split('\n')) {
  const header = /^\s*(\d+)\s*$/.exec(line);
  if (header !== null) {
    flush();
    tid = Number(header[1]);
    frames = [];
  } else if (line.trim() !== '') {
    const parts = line.trim().split(/\s+/);
    if (parts.length >= 2) frames.push(parts.slice(1).join(' '));
  }
}
flush();

process.stdout.write(`${total} samples, ${(total * msPerSample).toFixed(0)} ms\n`);
process.stdout.write('| thread | samples | ms |\n|---|---|---|\n');
for (const [name, n] of [...counts.entries()].sort((a, b) => b[1] - a[1])) {
  process.stdout.write(`| ${name} | ${n} | ${(n * msPerSample).toFixed(0)} |\n`);
}
