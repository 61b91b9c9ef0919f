// When each part of one section was written: runs writeSection() once against a virtual drive
// that logs every command, then prints, from the drive's command log, the time since
// writeSection() began at which 16 MiB, 64 MiB, … had been written. The ramp at the start (V8
// compiling the command path while the pipeline already runs) shows as the first rows' slower
// rate. docs/benchmarks-history.md, "File-backed: zero-copy hand-off", has numbers made with it.
//
//   npm run build && node dist/bench/timeline.js --image /tmp/x.img --source <file> [--size 1g]

import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DiscRecorder } from '../src/device/index.js';
import { WriteEngine } from '../src/engine/index.js';
import { openVirtualDrive } from '../src/transport/emulated/index.js';
import { MiB, parseSize } from './lib.js';

const { values } = parseArgs({
  options: {
    image: { type: 'string' },
    source: { type: 'string' },
    size: { type: 'string', default: '1g' },
  },
});
const image = values.image;
const source = values.source;
if (image === undefined || source === undefined) {
  throw new Error('usage: timeline --image <new image file> --source <file> [--size 1g]');
}
const bytes = parseSize(values.size);
rmSync(image, { force: true });
rmSync(`${image}.json`, { force: true });

// A log large enough to keep every WRITE of the section.
const drive = await openVirtualDrive(
  `virtual:bd-r?image=${image}&speed=max&log=${bytes / (64 * 1024) + 100}`,
);
const recorder = await DiscRecorder.fromTransport(drive);
const engine = new WriteEngine();
await engine.setRecorder(recorder);
engine.bytesPerSector = 2048;
const t0 = performance.now();
await engine.writeSection(source, 0, bytes / 2048);
const total = performance.now() - t0;
const writes = drive.control.log.filter((e) => e.opcode === 0x2a || e.opcode === 0xaa);
await recorder.close();

process.stdout.write(`| written | at ms | MB/s since the row before |\n|---|---|---|\n`);
let written = 0;
let lastBytes = 0;
let lastMs = 0;
let next = 16 * MiB;
for (const w of writes) {
  written += w.dataOutBytes;
  if (written < next && written < bytes) continue;
  const at = w.end - t0;
  const rate = (written - lastBytes) / 1e6 / ((at - lastMs) / 1000);
  process.stdout.write(`| ${written / MiB} MiB | ${at.toFixed(1)} | ${rate.toFixed(0)} |\n`);
  lastBytes = written;
  lastMs = at;
  next = next < 256 * MiB ? next * 2 : next + 256 * MiB;
}
process.stdout.write(`writeSection took ${total.toFixed(1)} ms for ${bytes / MiB} MiB\n`);
