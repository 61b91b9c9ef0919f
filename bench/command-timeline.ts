// A timeline of one whole `discwright` command, from process start to exit (issue #21, point 6):
// loaded with `node --import`, it notes when user code began, every SCSI command (from the
// discwright:command:start / :finish channels, docs/tracing.md; WRITEs folded into one row), every
// fsync / fdatasync / close of a file handle, and the exit, and prints the rows on stderr at exit
// with milliseconds since the process started (performance.timeOrigin).
//
//   node --import ./dist/bench/command-timeline.js dist/src/cli/main.js write-section \
//     'virtual:bd-r?image=/tmp/o.img&speed=max' s512.bin --lba 0
//
// bench/whole-command.ts --timeline runs exactly that once.

import diagnosticsChannel from 'node:diagnostics_channel';
import { open } from 'node:fs/promises';

interface Row {
  readonly at: number;
  readonly ms: number;
  readonly what: string;
}

const rows: Row[] = [];
const now = (): number => performance.now();
const timing = performance.nodeTiming;
rows.push({ at: 0, ms: timing.nodeStart, what: 'node started (nodeTiming.nodeStart)' });
rows.push({ at: timing.v8Start, ms: 0, what: 'V8 started' });
rows.push({ at: timing.bootstrapComplete, ms: 0, what: 'Node bootstrap complete' });
rows.push({ at: now(), ms: 0, what: 'this preload runs (user code begins)' });

// Every SCSI command; the WRITEs of a section are one row (first start to last finish).
const starts = new Map<number, number>();
let writes = { first: 0, last: 0, count: 0, bytes: 0 };
diagnosticsChannel.subscribe('discwright:command:start', (m) => {
  starts.set((m as { seq: number }).seq, now());
});
diagnosticsChannel.subscribe('discwright:command:finish', (m) => {
  const msg = m as { seq: number; name: string; dataLength: number };
  const begun = starts.get(msg.seq) ?? now();
  starts.delete(msg.seq);
  if (msg.name.startsWith('WRITE(')) {
    if (writes.count === 0) writes = { first: begun, last: now(), count: 0, bytes: 0 };
    writes.count++;
    writes.bytes += msg.dataLength;
    writes.last = now();
    return;
  }
  if (writes.count > 0) flushWrites();
  rows.push({ at: begun, ms: now() - begun, what: msg.name });
});
function flushWrites(): void {
  rows.push({
    at: writes.first,
    ms: writes.last - writes.first,
    what: `${writes.count} WRITEs, ${(writes.bytes / 1048576).toFixed(0)} MiB`,
  });
  writes = { first: 0, last: 0, count: 0, bytes: 0 };
}

// fsync / fdatasync / close of any FileHandle (the image, the sidecar's temporary file, …).
const probe = await open('/dev/null', 'r');
const proto = Object.getPrototypeOf(probe) as Record<string, (...a: unknown[]) => Promise<unknown>>;
await probe.close();
for (const name of ['sync', 'datasync', 'close'] as const) {
  const original = proto[name];
  if (original === undefined) continue;
  proto[name] = async function (this: { fd: number }, ...a: unknown[]) {
    const fd = this.fd;
    const t = now();
    try {
      return await original.apply(this, a);
    } finally {
      const ms = now() - t;
      // Closes of small files are many and quick; only the slow ones are shown.
      if (name !== 'close' || ms > 1) rows.push({ at: t, ms, what: `FileHandle.${name} fd ${fd}` });
    }
  };
}

process.on('exit', () => {
  if (writes.count > 0) flushWrites();
  rows.push({ at: now(), ms: 0, what: "process 'exit' event" });
  rows.sort((a, b) => a.at - b.at);
  let out = '| at ms | took ms | what |\n|---:|---:|---|\n';
  for (const r of rows) out += `| ${r.at.toFixed(1)} | ${r.ms.toFixed(1)} | ${r.what} |\n`;
  process.stderr.write(out);
});
