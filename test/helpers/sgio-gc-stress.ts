// Child process of test/sgio/native-memory.test.ts: drives the real SG_IO transport (the same
// koffi async ioctl with the sg_io_hdr and its CDB/data/sense pointers) against the C double of
// the kernel in test/fixtures/native/fake-sg-ioctl.c, while the main thread allocates and forces
// garbage collections during every ioctl. Run with --expose-gc (and optionally
// --stress-compaction). Prints one JSON line: how many commands ran and how many of them reached
// the "device" or came back different from what was sent.
//
// argv: <fake .so> <work dir> <commands> <delay µs>

import { openSync, readFileSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScsiCommand } from '../../src/scsi/command.js';
import { loadKoffi } from '../../src/transport/koffi.js';
import { bindLibc } from '../../src/transport/sgio/libc.js';
import { openSgioTransport } from '../../src/transport/sgio/index.js';

const [so, dir, countText, delayText] = process.argv.slice(2);
// `node --test dist/test/` also runs every file under test/ as a test file: without arguments
// this is not a stress run, and there is nothing to do.
if (so === undefined || dir === undefined) process.exit(0);
const count = Number(countText ?? '1000');
const delayUs = Number(delayText ?? '200');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const koffi = await loadKoffi();
const configure = koffi.load(so).func('void fake_sg_configure(int fd, unsigned int delay)');
const logPath = join(dir, 'device.log');
const logFd = openSync(logPath, 'w');
configure(logFd, delayUs);
const libc = bindLibc(koffi, { library: so, symbol: 'fake_sg_ioctl' });

// Any regular file stands for the node: the double answers SG_GET_VERSION_NUM and SG_IO.
const node = join(dir, 'sg-node');
writeFileSync(node, '');
const t = await openSgioTransport(node, { libc, lockDir: dir, preferSg: false });

// Pressure: while an ioctl is in flight, collect, then fill the allocator with small array
// buffers of a marker byte — what a collected CDB's memory would be reused for. (Small typed
// arrays start inside V8's heap; once their address is taken their store is moved out to the
// same allocator as these.)
let junk: Uint8Array[] = [];
let churning = true;
const churn = (): void => {
  if (!churning) return;
  gc();
  if (junk.length > 8192) junk = [];
  for (let i = 0; i < 256; i++) junk.push(new Uint8Array(new ArrayBuffer(8 + (i % 17))).fill(0xee));
  setImmediate(churn);
};
setImmediate(churn);

let seed = 0x9e3779b9;
const random = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};
const bytes = (n: number): Uint8Array => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = random() & 0xff;
  return b;
};
const pattern = (cdb: Uint8Array, n: number): Uint8Array => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (cdb[2]! + 7 * cdb[3]! + 13 * i + (i >> 8)) & 0xff;
  return b;
};
const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

const sent: { cdb: Uint8Array; out: Uint8Array }[] = [];
let dataInMismatches = 0;
let senseMismatches = 0;
let failures = 0;
for (let i = 0; i < count; i++) {
  const kind = i % 4;
  // A fresh CDB per command, built and then left behind, as the recorder and engine do.
  const cdb = bytes(kind === 3 ? 12 : 10);
  cdb[1] = kind === 2 ? cdb[1]! | 0x80 : cdb[1]! & 0x7f;
  let command: ScsiCommand;
  let out: Uint8Array = new Uint8Array(0);
  if (kind === 0) {
    out = bytes(512 + (random() % 4) * 2048);
    command = { name: 'WRITE(10)', cdb, direction: 'out', dataOut: out };
  } else if (kind === 1 || kind === 2) {
    command = {
      name: 'READ(10)',
      cdb,
      direction: 'in',
      allocationLength: 256 + (random() % 8) * 512,
    };
  } else {
    command = { name: 'TEST UNIT READY', cdb, direction: 'none' };
  }
  sent.push({ cdb: Uint8Array.from(cdb), out: Uint8Array.from(out) });
  const expectedIn = kind === 1 ? pattern(cdb, command.allocationLength ?? 0) : new Uint8Array(0);
  try {
    const r = await t.execute(command, { timeoutMs: 10_000 });
    if (!equal(r.dataIn, expectedIn)) dataInMismatches++;
    if (kind === 2) {
      const s = r.sense;
      if (r.status !== 2 || s.length !== 18 || s[2] !== 5 || s[12] !== cdb[2] || s[13] !== cdb[3])
        senseMismatches++;
    } else if (r.status !== 0 || r.sense.length !== 0) senseMismatches++;
  } catch {
    failures++;
  }
}
churning = false;
await t.close();
closeSync(logFd);

// What the device received, in order.
const log = readFileSync(logPath);
let at = 0;
let received = 0;
let cdbMismatches = 0;
let dataOutMismatches = 0;
while (at < log.length) {
  const len = log[at]!;
  const cdb = log.subarray(at + 1, at + 1 + len);
  at += 1 + len;
  const n = log.readUInt32LE(at);
  const out = log.subarray(at + 4, at + 4 + n);
  at += 4 + n;
  const s = sent[received++];
  if (s === undefined || !equal(cdb, s.cdb)) cdbMismatches++;
  else if (!equal(out, s.out)) dataOutMismatches++;
}
process.stdout.write(
  JSON.stringify({
    commands: count,
    received,
    cdbMismatches,
    dataOutMismatches,
    dataInMismatches,
    senseMismatches,
    failures,
  }) + '\n',
);
