// `discwright demo` (what `npm start` runs): burns a generated image to a virtual DVD+R backed
// by a file through DiscFormat2Data (docs/burning.md), with the phases and the live progress line:
// validation, the write, SYNCHRONIZE CACHE, CLOSE TRACK and CLOSE SESSION, a FULL read-back
// verification; then shows `info` of the result. Needs no hardware and no privileges. Like
// write-section it holds exclusive access to the drive (here: the image) from before the first
// command to the end, and reports a failure to close it.

import { createHash, type Hash } from 'node:crypto';
import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DwError, HR } from '../errors.js';
import { openRecorder } from '../device/open.js';
import type { DiscRecorder } from '../device/recorder.js';
import { closeSession, closeTrack, writablePosition } from '../device/media-ops.js';
import { BurnVerificationLevel, Format2DataMediaState } from '../device/types.js';
import type { BlockReader } from '../engine/index.js';
import { DiscFormat2Data } from '../format/index.js';
import { BurnProgress } from './burn.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { errorReport, formatMB } from './format.js';
import { gatherInfo, infoText } from './info.js';
import { println, type CliIo } from './io.js';
import { Interrupt, mediaFamily } from './section.js';
import { closeRecorder } from './section-report.js';

export interface DemoOptions {
  /** Image size in MiB (default 64). */
  readonly size?: number;
  /** Directory for disc.img (default: a new temporary directory). */
  readonly dir?: string;
  /** Drive speed, e.g. `16x` or `max` (default 16x). */
  readonly speed?: string;
  /** Go past a holder of the image known to be stale. */
  readonly force?: boolean;
}

/** The holder other programs see while the demo has the drive. */
export const DEMO_CLIENT = 'discwright demo';

const SECTOR = 2048;

/**
 * Deterministic pseudo-random bytes (xorshift32), produced as the engine asks for them so the
 * image is never held in memory; hashes what it hands out.
 */
export class GeneratedSource implements BlockReader {
  #state: number;
  #remaining: number;
  readonly #hash: Hash = createHash('sha256');

  constructor(bytes: number, seed = 0x2545f491) {
    this.#remaining = bytes;
    this.#state = seed >>> 0 || 1;
  }

  readInto(dst: Uint8Array): Promise<number> {
    const n = Math.min(dst.length, this.#remaining);
    let x = this.#state;
    for (let i = 0; i < n; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      dst[i] = x & 0xff;
      if (i + 1 < n) dst[i + 1] = (x >>> 8) & 0xff;
      if (i + 2 < n) dst[i + 2] = (x >>> 16) & 0xff;
      if (i + 3 < n) dst[i + 3] = x >>> 24;
    }
    this.#state = x;
    this.#remaining -= n;
    this.#hash.update(dst.subarray(0, n));
    return Promise.resolve(n);
  }

  /** SHA-256 of everything handed out so far (call once, at the end). */
  digest(): string {
    return this.#hash.digest('hex');
  }
}

/** The image path as an address value: readable when it can be, percent-encoded when it must. */
function imageParam(path: string): string {
  return /[%&+#?]/.test(path) ? encodeURIComponent(path) : path;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The recorder the demo holds, closed by demoCommand whichever way the demo ends. */
interface Held {
  recorder: DiscRecorder | undefined;
}

export async function demoCommand(io: CliIo, o: DemoOptions): Promise<number> {
  const interrupt = new Interrupt(io);
  const held: Held = { recorder: undefined };
  let code: number;
  try {
    code = await demo(io, o, interrupt, held);
  } catch (e) {
    println(io.stderr, errorReport(e));
    code = exitCodeFor(e);
  }
  // A close that fails after the demo went well still fails it: the image may lack its layout.
  const closeError = await closeRecorder(held.recorder);
  interrupt.dispose();
  if (closeError === undefined) return code;
  println(io.stderr, `closing the drive failed: ${errorReport(closeError)}`);
  return ExitCode.FAILED;
}

async function demo(io: CliIo, o: DemoOptions, interrupt: Interrupt, held: Held): Promise<number> {
  const sizeMiB = o.size ?? 64;
  const speed = o.speed ?? '16x';
  const blocks = (sizeMiB * 1024 * 1024) / SECTOR;
  const dir =
    o.dir === undefined ? await mkdtemp(join(tmpdir(), 'discwright-demo-')) : resolve(o.dir);
  await mkdir(dir, { recursive: true });
  const image = join(dir, 'disc.img');
  const address = `virtual:dvd+r?image=${imageParam(image)}&speed=${encodeURIComponent(speed)}`;
  println(io.stdout, `discwright demo: ${sizeMiB} MiB of generated data to a virtual DVD+R`);
  println(io.stdout, `recorder: ${address}`);
  const recorder = await openRecorder(address, {
    exclusive: { clientName: DEMO_CLIENT, force: o.force === true },
  });
  held.recorder = recorder;
  println(
    io.stdout,
    `drive: ${recorder.vendorId} ${recorder.productId} ${recorder.productRevision}`,
  );
  // A real burn through DiscFormat2Data: validate, write, close track and session (the DVD+R
  // stays appendable, so the demo can run again on the same image), FULL verification.
  const data = new DiscFormat2Data();
  await data.setRecorder(recorder);
  data.clientName = DEMO_CLIENT;
  data.burnVerificationLevel = BurnVerificationLevel.FULL;
  data.disableConsumerDvdCompatibilityMode = true;
  const progress = new BurnProgress(io, false, await mediaFamily(recorder));
  data.on('update', (_s, a) => {
    if (a.sectorCount !== undefined) progress.totalBlocks = a.sectorCount;
    progress.update(a);
  });
  interrupt.signal.addEventListener('abort', () => data.cancelWrite(), { once: true });
  interrupt.check();
  if (((await data.getCurrentMediaStatus()) & Format2DataMediaState.NON_EMPTY_SESSION) !== 0) {
    // The demo's own image, left with an open session by an earlier write-section: a burner
    // does not append to another write's session, so close it first (the demo may).
    const where = await writablePosition(recorder);
    await closeTrack(recorder, where.trackNumber);
    await closeSession(recorder);
    println(
      io.stdout,
      `closed the open session an earlier write left (track ${where.trackNumber})`,
    );
  }
  const source = new GeneratedSource(blocks * SECTOR);
  // From here the drive may hold acknowledged blocks: a second Ctrl-C stops the wait, and
  // demoCommand still closes the drive so they stay.
  interrupt.guard();
  let r;
  try {
    r = await interrupt.unlessAbandoned(data.write(source, { sizeBytes: blocks * SECTOR }));
  } catch (e) {
    if (e instanceof DwError && e.hr === HR.E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA) {
      throw new DwError(e.hr, {
        message: `the disc in ${image}: ${e.message}`,
        hint: 'Run the demo with another --dir, or remove the old image and its .json sidecar.',
        cause: e,
      });
    }
    throw e;
  } finally {
    progress.stop();
  }
  if (r === undefined) {
    throw new DwError(HR.E_IMAPI_REQUEST_CANCELLED, {
      message: 'interrupted: stopped waiting for the burn; the drive is closed',
    });
  }
  const last = r.startLba + r.blocks - 1;
  println(
    io.stdout,
    `wrote ${r.blocks} blocks (${formatMB(r.blocks * SECTOR)}) to LBA ${r.startLba}..${last}`,
  );
  println(io.stdout, `closed track ${r.trackNumber ?? '?'} and the session`);
  println(io.stdout, `verified: read back ${r.blocks} blocks, sha256 ${source.digest()}`);
  println(io.stdout);
  println(io.stdout, infoText(await gatherInfo(recorder, address)));
  println(io.stdout);
  println(io.stdout, `the disc image is ${image} (layout in ${image}.json)`);
  println(
    io.stdout,
    `look again with: discwright info ${shellQuote(`virtual:dvd+r?image=${imageParam(image)}`)}`,
  );
  return 0;
}
