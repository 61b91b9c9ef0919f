// One discwright write, in its own process so that peak RSS and CPU time belong to this run only:
// open a recorder, writeSection() one section from the chosen source, print one JSON Sample on
// stdout. The comparison scripts spawn it once per run; it can also be run by hand, e.g. with
// `node --cpu-prof dist/bench/dw-write.js --address=… --source=file:/tmp/x --size=1g`.
//
// Sources:
//   file:<path>   the engine opens the path itself (the normal CLI case)
//   memory        random bytes in a Uint8Array, generated before the clock starts
//   gen           a BlockReader copying from a 1 MiB random block (no file, no big allocation)
//   paced:<x>     like gen, but delivering at <x> × 1x (--rate-1x, DVD by default) with seeded
//                 random stalls (--stalls per MiB)

import { randomFillSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DiscRecorder } from '../src/device/index.js';
import { WriteEngine, type BlockReader, type BlockSource } from '../src/engine/index.js';
import { openVirtualDrive, type VirtualDrive } from '../src/transport/emulated/index.js';
import type {
  ExecuteOptions,
  HeldWriteCapability,
  ScsiCommand,
  ScsiResult,
  Transport,
  TransportLimits,
} from '../src/transport/transport.js';
import { MiB, parseSize, type Sample } from './lib.js';
import { mulberry32 } from '../test/helpers/prng.js';

const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    source: { type: 'string', default: 'gen' },
    size: { type: 'string', default: '256m' },
    /** Seed of the paced source's stalls. */
    seed: { type: 'string', default: '1' },
    /** Media 1x rate in bytes/s, for paced:<x> (DVD: 1,385,000). */
    'rate-1x': { type: 'string', default: '1385000' },
    'host-buffer': { type: 'string' },
    /** Sample event-loop delay during the write. */
    eld: { type: 'boolean', default: false },
    /** Stall probability per MiB of the paced source. */
    stalls: { type: 'string', default: '0.05' },
    /** Open the recorder and the engine, write nothing: the process's baseline footprint. */
    'open-only': { type: 'boolean', default: false },
    /** Engine maxTransferSize, e.g. 1m (a virtual drive also needs &maxTransfer= in its address). */
    'max-transfer': { type: 'string' },
    /** Engine queueDepth: WRITEs in flight where the transport queues them (iSCSI); 1 = one. */
    'queue-depth': { type: 'string' },
    /** Write the section once untimed first (rewritable media only), then time a rewrite. */
    warmup: { type: 'boolean', default: false },
    /**
     * Diagnosis only: before the timed write, write this much of a file: source to a throwaway
     * image-backed drive in the same process, so that the timed write runs with the command path
     * already compiled by V8 (a JIT-warm process) but with its own drive, engine and pool.
     */
    'jit-warmup': { type: 'string' },
    /**
     * Note the virtual drive's buffer fill at every WRITE (minFillBytes): a layer between the
     * recorder and the drive, so only the real-time benchmark asks for it, not the throughput
     * comparisons.
     */
    probe: { type: 'boolean', default: false },
  },
});

const address = values.address;
if (address === undefined) throw new Error('--address is required');
const bytes = parseSize(values.size);
const blocks = bytes / 2048;

/** Copies from a 1 MiB random block: a source that costs a memcpy and nothing else. */
class GeneratedSource implements BlockReader {
  protected readonly block = randomFillSync(new Uint8Array(MiB));
  protected at = 0;

  readInto(dst: Uint8Array): Promise<number> {
    this.copy(dst);
    return Promise.resolve(dst.length);
  }

  protected copy(dst: Uint8Array): void {
    let done = 0;
    while (done < dst.length) {
      const from = this.at % this.block.length;
      const n = Math.min(dst.length - done, this.block.length - from);
      dst.set(this.block.subarray(from, from + n), done);
      done += n;
      this.at += n;
    }
  }
}

/**
 * Delivers no faster than `rate` bytes/s on average, and stalls now and then: with probability
 * `stallPerMiB` per MiB delivered it stops for 10–250 ms (uniform), like a network source or a
 * disc image being read from a busy disk.
 */
class PacedSource extends GeneratedSource {
  readonly stalls: number[] = [];
  private readonly random: () => number;
  private readonly t0 = performance.now();
  private delayMs = 0;
  private nextMiB = MiB;

  constructor(
    private readonly rate: number,
    seed: number,
    private readonly stallPerMiB = 0.05,
  ) {
    super();
    this.random = mulberry32(seed);
  }

  override async readInto(dst: Uint8Array): Promise<number> {
    while (this.at + dst.length >= this.nextMiB) {
      this.nextMiB += MiB;
      if (this.random() < this.stallPerMiB) {
        const stall = 10 + this.random() * 240;
        this.stalls.push(stall);
        this.delayMs += stall;
      }
    }
    const due = this.t0 + ((this.at + dst.length) / this.rate) * 1000 + this.delayMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.copy(dst);
    return dst.length;
  }
}

/**
 * Passes commands through to the virtual drive and notes its buffer fill when each WRITE
 * arrives: the fill only falls between WRITEs, so the lowest of these is the lowest fill of the
 * section. `minFill` counts from the second WRITE (the first starts recording); `minFillSteady`
 * counts once the buffer has been 90% full, i.e. after the start-up ramp. The drive's held
 * writes (image-backed) pass through too, noted the same way.
 */
class FillProbe implements Transport {
  minFill = Infinity;
  minFillSteady = Infinity;
  readonly heldWrites?: HeldWriteCapability;
  private started = false;
  private steady = false;

  constructor(private readonly drive: VirtualDrive) {
    const held = drive.heldWrites;
    if (held !== undefined) {
      this.heldWrites = {
        executeHeld: (command, hold, options) => {
          this.note(command);
          return held.executeHeld(command, hold, options);
        },
      };
    }
  }

  reset(): void {
    this.minFill = Infinity;
    this.minFillSteady = Infinity;
    this.started = false;
    this.steady = false;
  }

  execute(command: ScsiCommand, options?: ExecuteOptions): Promise<ScsiResult> {
    this.note(command);
    return this.drive.execute(command, options);
  }

  /** A WRITE arrives: the buffer fill before it. */
  private note(command: ScsiCommand): void {
    const op = command.cdb[0];
    if (op === 0x2a || op === 0xaa) {
      const media = this.drive.control.media;
      const fill = media.bufferFill;
      if (this.started) this.minFill = Math.min(this.minFill, fill);
      if (this.steady) this.minFillSteady = Math.min(this.minFillSteady, fill);
      else if (fill >= 0.9 * media.bufferSize) this.steady = true;
      this.started = true;
    }
  }

  get address(): string {
    return this.drive.address;
  }

  limits(): TransportLimits {
    return this.drive.limits();
  }

  close(): Promise<void> {
    return this.drive.close();
  }
}

/** Writes `size` bytes of `path` to a throwaway image-backed drive (see --jit-warmup). */
async function jitWarmup(path: string, size: number): Promise<void> {
  const image = join(tmpdir(), `discwright-jit-warmup-${process.pid}.img`);
  const drive = await openVirtualDrive(`virtual:bd-r?image=${image}&speed=max`);
  try {
    const recorder = await DiscRecorder.fromTransport(drive);
    const engine = new WriteEngine();
    await engine.setRecorder(recorder);
    engine.bytesPerSector = 2048;
    await engine.writeSection(path, 0, size / 2048);
    await recorder.close();
  } finally {
    await drive.close();
    rmSync(image, { force: true });
    rmSync(`${image}.json`, { force: true });
  }
}

async function main(): Promise<void> {
  let drive: VirtualDrive | undefined;
  let probe: FillProbe | undefined;
  let recorder: DiscRecorder;
  if (address!.startsWith('virtual:')) {
    drive = await openVirtualDrive(address!);
    if (values.probe) probe = new FillProbe(drive);
    recorder = await DiscRecorder.fromTransport(probe ?? drive);
  } else {
    recorder = await DiscRecorder.open(address!);
  }
  const engine = new WriteEngine();
  await engine.setRecorder(recorder);
  engine.bytesPerSector = 2048;
  if (values['host-buffer'] !== undefined) {
    engine.hostBufferSize = parseSize(values['host-buffer']);
  }
  if (values['max-transfer'] !== undefined) {
    engine.maxTransferSize = parseSize(values['max-transfer']);
  }
  if (values['queue-depth'] !== undefined) {
    engine.queueDepth = Number(values['queue-depth']);
  }
  if (values['open-only']) {
    await recorder.close();
    const idle: Sample = {
      ms: 0,
      bytes: 0,
      cpuSec: 0,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    };
    process.stdout.write(`${JSON.stringify(idle)}\n`);
    return;
  }

  const spec = values.source;
  let source: BlockSource;
  let paced: PacedSource | undefined;
  if (spec.startsWith('file:')) {
    source = spec.slice('file:'.length);
  } else if (spec === 'memory') {
    const data = new Uint8Array(bytes);
    for (let at = 0; at < bytes; at += 64 * MiB) {
      randomFillSync(data, at, Math.min(64 * MiB, bytes - at));
    }
    source = data;
  } else if (spec === 'gen') {
    source = new GeneratedSource();
  } else if (spec.startsWith('paced:')) {
    const x = Number(spec.slice('paced:'.length).replace(/x$/, ''));
    paced = new PacedSource(
      x * Number(values['rate-1x']),
      Number(values.seed),
      Number(values.stalls),
    );
    source = paced;
  } else {
    throw new Error(`unknown --source ${spec}`);
  }

  if (values['jit-warmup'] !== undefined) {
    if (!spec.startsWith('file:')) throw new Error('--jit-warmup needs a file: source');
    await jitWarmup(spec.slice('file:'.length), parseSize(values['jit-warmup']));
  }

  if (values.warmup) {
    // The untimed pass grows the drive's store (first-touch page faults); the timed pass then
    // measures the write path alone. The same bytes again: a Uint8Array source is read anew.
    await engine.writeSection(source, 0, blocks);
    probe?.reset();
  }

  const eld = values.eld ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
  eld?.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await engine.writeSection(source, 0, blocks);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  eld?.disable();

  const extra: Record<string, number> = {};
  if (eld !== undefined) {
    extra.eldP50Ms = eld.percentile(50) / 1e6;
    extra.eldP99Ms = eld.percentile(99) / 1e6;
    extra.eldMaxMs = eld.max / 1e6;
  }
  if (drive !== undefined) {
    const media = drive.control.media;
    extra.underruns = media.underruns;
    extra.driveBufferBytes = media.bufferSize;
    if (probe !== undefined && Number.isFinite(probe.minFill)) extra.minFillBytes = probe.minFill;
    if (probe !== undefined && Number.isFinite(probe.minFillSteady)) {
      extra.minFillSteadyBytes = probe.minFillSteady;
    }
  }
  if (paced !== undefined) {
    extra.stalls = paced.stalls.length;
    extra.longestStallMs = Math.max(0, ...paced.stalls);
  }
  // Closing an image-backed drive fsyncs the image: outside the timed part, like dd's writeback.
  await recorder.close();
  const sample: Sample = {
    ms,
    bytes,
    cpuSec: (cpu.user + cpu.system) / 1e6,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    extra,
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

await main();
