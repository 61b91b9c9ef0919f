// The in-memory baseline: what the machine's memory copy costs for the same data movement as an
// in-memory write, without the engine. Random bytes in a Uint8Array are copied 64 KiB at a time
// into a staging buffer and from there into a store of 512 KiB chunks (allocated as the copy
// reaches them, like the virtual drive's in-memory disc, or allocated and touched beforehand with
// --resident). Prints one JSON Sample, like dw-write.
//
//   node dist/bench/copy-baseline.js --size=1g [--resident]

import { randomFillSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { MiB, parseSize, type Sample } from './lib.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '256m' },
    resident: { type: 'boolean', default: false },
  },
});
const bytes = parseSize(values.size);
const TRANSFER = 64 * 1024;
const CHUNK = 512 * 1024;

const source = new Uint8Array(bytes);
for (let at = 0; at < bytes; at += 64 * MiB)
  randomFillSync(source, at, Math.min(64 * MiB, bytes - at));
const staging = new Uint8Array(TRANSFER);
const chunks: Uint8Array[] = [];
if (values.resident) {
  for (let at = 0; at < bytes; at += CHUNK) chunks.push(new Uint8Array(CHUNK).fill(1));
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let at = 0; at < bytes; at += TRANSFER) {
  staging.set(source.subarray(at, at + TRANSFER));
  const index = Math.floor(at / CHUNK);
  let chunk = chunks[index];
  if (chunk === undefined) {
    chunk = new Uint8Array(CHUNK);
    chunks[index] = chunk;
  }
  chunk.set(staging, at - index * CHUNK);
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const sample: Sample = {
  ms,
  bytes,
  cpuSec: (cpu.user + cpu.system) / 1e6,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
};
process.stdout.write(`${JSON.stringify(sample)}\n`);
