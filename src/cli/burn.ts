// `discwright burn <recorder> <image|-> …`: a whole disc through DiscFormat2Data (docs/burning.md).
// The image is checked before the recorder is opened; the recorder is opened with exclusive
// access; the phases show as they happen (the write with the usual progress line, verification
// with its share read back), and the summary reports what the drive says afterwards (media state,
// next writable address, current write speed), never what was merely intended. After a failure
// or a cancel the disc's state is asked from the drive too. The drive is closed before the
// result is printed, and a failed close fails the burn; a second Ctrl-C during the burn stops
// waiting for it, but the drive is still asked and closed (README, "Ctrl-C"). `--log`/`--report`
// keep the burn's record (burn-record.ts; docs/burn-log.md, "For burn").

import { stat } from 'node:fs/promises';
import { DwError, HR, invalidArgument } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import { BurnVerificationLevel, Format2DataMediaState } from '../device/types.js';
import type { BlockSource, WriteEngineEventArgs } from '../engine/index.js';
import {
  DiscFormat2Data,
  MAX_WRITE_SPEED,
  type BurnResult,
  type DiscFormat2DataEventArgs,
} from '../format/index.js';
import { errorReport, formatDuration, formatMB, oneXRate, type MediaFamily } from './format.js';
import { println, type CliIo } from './io.js';
import { ProgressReporter, progressMode } from './progress.js';
import { openCliRecorder } from './open-recorder.js';
import { Interrupt, mediaFamily } from './section.js';
import { closeThenReport } from './section-report.js';
import { RunRecord } from './run-record.js';
import type { RunDescription } from './burn-log.js';
import { BurnRecord, isEngineUpdate, phaseOf } from './burn-record.js';

export interface BurnOptions {
  readonly size?: number;
  readonly verify?: 'none' | 'quick' | 'full';
  readonly finalize?: boolean;
  readonly multisession?: boolean;
  /** `max`, `<n>x` or `<n>` (a multiple of the media's 1x). */
  readonly speed?: string;
  readonly simulate?: boolean;
  readonly forceOverwrite?: boolean;
  /** Format unformatted BD-RE / DVD-RAM first (a blank DVD+RW is formatted either way). */
  readonly formatIfNeeded?: boolean;
  /** Eject the disc after a successful burn. */
  readonly eject?: boolean;
  readonly json?: boolean;
  readonly force?: boolean;
  /** `--log <file>`: the burn log (burn-record.ts). */
  readonly log?: string;
  /** `--report <file.html>`: the report, written at the end. */
  readonly report?: string;
}

/** The holder other programs see while burn has the drive. */
export const BURN_CLIENT = 'discwright burn';

/** Names of the IMAPI_FORMAT2_DATA_MEDIA_STATE flags set in `flags`. */
export function mediaStateNames(flags: number): string[] {
  const names = Object.entries(Format2DataMediaState)
    .filter(([n]) => !n.endsWith('_MASK') && n !== 'UNKNOWN' && n !== 'RANDOMLY_WRITABLE')
    .filter(([, v]) => (flags & v) !== 0)
    .map(([n]) => n.toLowerCase().replace(/_/g, '-'));
  return names.length === 0 ? ['unknown'] : names;
}

/** The option checks made before any drive is opened (usage errors exit 2). */
export function checkBurnOptions(o: BurnOptions): void {
  if (o.finalize === true && o.multisession === true) {
    throw invalidArgument('--finalize and --multisession exclude each other');
  }
  if (o.speed !== undefined) parseBurnSpeed(o.speed);
}

/** A DiscFormat2Data on `recorder`, set up as the burn options say. */
export async function dataWriterFor(
  recorder: DiscRecorder,
  o: BurnOptions,
  family: MediaFamily | undefined,
): Promise<DiscFormat2Data> {
  const data = new DiscFormat2Data();
  await data.setRecorder(recorder);
  data.clientName = BURN_CLIENT;
  data.burnVerificationLevel = verifyLevel(o.verify);
  data.forceMediaToBeClosed = o.finalize === true;
  data.disableConsumerDvdCompatibilityMode = o.multisession === true;
  data.testWrite = o.simulate === true;
  data.forceOverwrite = o.forceOverwrite === true;
  data.formatUnformattedMedia = o.formatIfNeeded === true;
  const speed = requestedSpeed(o, family);
  if (speed !== undefined) data.setWriteSpeed(speed);
  return data;
}

/** The write speed --speed asks for, in sectors per second (MAX_WRITE_SPEED: maximum). */
function requestedSpeed(o: BurnOptions, family: MediaFamily | undefined): number | undefined {
  const speedX = o.speed === undefined ? undefined : parseBurnSpeed(o.speed);
  if (speedX === undefined) return undefined;
  return speedX === MAX_WRITE_SPEED || family === undefined
    ? MAX_WRITE_SPEED
    : Math.max(1, Math.round((speedX * oneXRate(family, 2048)) / 2048));
}

/** The burn log header's `run`. */
function burnRun(
  address: string,
  image: string,
  o: BurnOptions,
  family: MediaFamily | undefined,
): RunDescription {
  const speed = requestedSpeed(o, family) ?? null;
  return {
    command: 'burn',
    address,
    burn: {
      image,
      verify: o.verify ?? 'quick',
      finalize: o.finalize === true,
      multisession: o.multisession === true,
      simulate: o.simulate === true,
      speed: o.speed ?? null,
    },
    requested: { startSectorsPerSecond: speed, endSectorsPerSecond: speed },
  };
}

function verifyLevel(v: BurnOptions['verify']): number {
  switch (v ?? 'quick') {
    case 'none':
      return BurnVerificationLevel.NONE;
    case 'quick':
      return BurnVerificationLevel.QUICK;
    case 'full':
      return BurnVerificationLevel.FULL;
  }
}

/** `max`, `16x` or `16` → a multiple of 1x; checked before anything is opened. */
export function parseBurnSpeed(text: string): number {
  if (/^max$/i.test(text)) return MAX_WRITE_SPEED;
  const m = /^(\d+(?:\.\d+)?)x?$/i.exec(text);
  const x = m === null ? NaN : Number(m[1]);
  if (!(x > 0 && x <= 100)) throw invalidArgument(`'${text}' is not a speed (e.g. 16x or max)`);
  return x;
}

async function resolveImage(
  io: CliIo,
  path: string,
  size: number | undefined,
): Promise<{ source: BlockSource; size: number | undefined }> {
  if (path === '-') {
    if (size === undefined) throw invalidArgument('--size is required when the image is -');
    return { source: io.stdin, size };
  }
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new DwError(HR.STG_E_FILENOTFOUND, {
      message: `cannot use image ${path}: ${e instanceof Error ? e.message : String(e)}`,
      cause: e,
    });
  }
  if (!st.isFile() && !st.isFIFO() && !st.isBlockDevice()) {
    throw invalidArgument(`image ${path} is not a file`);
  }
  return { source: path, size };
}

/** One rendering of the burn's progress: phase lines, the write's line, verify percentages. */
export class BurnProgress {
  readonly #io: CliIo;
  readonly #json: boolean;
  readonly #writing: ProgressReporter;
  #phase: string | undefined;
  #verifyShown = -1;

  constructor(io: CliIo, json: boolean, family: MediaFamily | undefined) {
    this.#io = io;
    this.#json = json;
    this.#writing = new ProgressReporter({
      mode: progressMode(io.stdout, json),
      stream: io.stdout,
      bytesPerSector: 2048,
      family,
    });
  }

  /** Seconds since the burn started, as the last update said. */
  elapsed = 0;

  update(a: DiscFormat2DataEventArgs): void {
    // After stop() (the burn ended, or a second Ctrl-C stopped waiting) nothing follows the result.
    if (this.#stopped) return;
    this.elapsed = a.elapsedTime;
    const phase = phaseOf(a);
    const engine = isEngineUpdate(a);
    if (this.#json) {
      if (phase !== this.#phase || engine || a.blocksVerified !== undefined) {
        println(this.#io.stdout, JSON.stringify({ event: 'update', phase, ...a }));
      }
      this.#phase = phase;
      return;
    }
    if (phase !== this.#phase) {
      if (this.#phase === 'writing') this.#writing.stop();
      this.#phase = phase;
      if (phase !== 'completed') println(this.#io.stdout, `${phase}…`);
    }
    if (engine && phase === 'writing') this.#writing.update(a as WriteEngineEventArgs);
    if (a.blocksVerified !== undefined && a.sectorCount === undefined) {
      const pct = Math.floor((a.blocksVerified * 100) / Math.max(1, this.#total));
      if (pct >= this.#verifyShown + 10 || pct === 100) {
        this.#verifyShown = pct;
        println(this.#io.stdout, `  verified ${pct}% (${a.blocksVerified} blocks)`);
      }
    }
  }

  #total = 1;
  set totalBlocks(n: number) {
    this.#total = n;
  }

  #stopped = false;

  stop(): void {
    this.#stopped = true;
    this.#writing.stop();
  }
}

/** What burn and the duplicator throw when a second Ctrl-C stopped waiting for the burn. */
export function stoppedWaiting(): DwError {
  return new DwError(HR.E_IMAPI_REQUEST_CANCELLED, {
    message: 'interrupted: a second Ctrl-C stopped waiting for the burn; the drive is closed',
  });
}

export async function burnCommand(
  io: CliIo,
  recorderAddress: string,
  imagePath: string,
  o: BurnOptions,
): Promise<number> {
  const interrupt = new Interrupt(io);
  let recorder: DiscRecorder | undefined;
  let progress: BurnProgress | undefined;
  const json = o.json === true;
  let error: unknown;
  let figures: Record<string, unknown> = {};
  let record: RunRecord | undefined;
  let logged: BurnRecord | undefined;
  let family: MediaFamily | undefined;
  try {
    checkBurnOptions(o);
    const { source, size } = await resolveImage(io, imagePath, o.size);
    record = await RunRecord.open({
      log: o.log,
      report: o.report,
      sparkline: progressMode(io.stdout, json) === 'tty',
    });
    record.phase('open');
    recorder = await openCliRecorder(
      recorderAddress,
      { exclusive: { clientName: BURN_CLIENT, force: o.force === true } },
      io.virtualFaults,
    );
    family = await mediaFamily(recorder);
    const data = await dataWriterFor(recorder, o, family);
    await record.started(recorder, burnRun(recorderAddress, imagePath, o, family));
    const log = new BurnRecord(record, data.burnVerificationLevel);
    logged = log;
    if (!json) {
      println(
        io.stdout,
        `drive: ${recorder.vendorId} ${recorder.productId} ${recorder.productRevision}`,
      );
    }
    progress = new BurnProgress(io, json, family);
    const p = progress;
    data.on('update', (_s, a) => {
      if (a.sectorCount !== undefined) p.totalBlocks = a.sectorCount;
      p.update(a);
      log.update(a);
    });
    interrupt.signal.addEventListener('abort', () => data.cancelWrite(), { once: true });
    interrupt.check();
    // From here the drive may hold acknowledged blocks: a second Ctrl-C stops the wait, and the
    // drive is still asked and closed so they stay (README, "Ctrl-C").
    interrupt.guard();
    const result = await interrupt.unlessAbandoned(
      data.write(source, size === undefined ? {} : { sizeBytes: size }),
    );
    progress.stop();
    if (result === undefined) throw stoppedWaiting();
    log.finished(result, undefined);
    figures = await report(io, json, data, result, progress.elapsed);
    if (o.eject === true) {
      await recorder.ejectMedia();
      if (!json) println(io.stdout, 'ejected');
    }
  } catch (e) {
    progress?.stop();
    error = e;
    logged?.finished(undefined, e);
    println(io.stderr, errorReport(e));
    // What the disc holds now, as the drive says (never inferred from what was sent).
    const state =
      recorder === undefined ? undefined : await driveState(recorder).catch(() => undefined);
    if (state !== undefined) {
      if (!json) println(io.stderr, `disc now: ${stateText(state)}`);
      figures = { discNow: state };
    }
  }
  // The log's result is the JSON result object, a failed close included. (A record exists only
  // once the options were checked, so burnRun's --speed parses.)
  return closeThenReport(io, recorder, interrupt, json, error, figures, (result) =>
    record === undefined
      ? Promise.resolve()
      : record.finish(io, result, burnRun(recorderAddress, imagePath, o, family)),
  );
}

/** The media state as the drive reports it now. */
export interface DriveState {
  readonly mediaState: readonly string[];
  readonly nextWritableAddress: number;
  readonly freeSectors: number;
}

/** Asks the drive for its media state (for the summary and after failures). */
export async function driveState(recorder: DiscRecorder): Promise<DriveState> {
  const data = new DiscFormat2Data();
  await data.setRecorder(recorder);
  const flags = await data.getCurrentMediaStatus();
  const nwa = await data.getNextWritableAddress();
  const free = await data.getFreeSectorsOnMedia();
  return { mediaState: mediaStateNames(flags), nextWritableAddress: nwa, freeSectors: free };
}

function stateText(s: DriveState): string {
  return `${s.mediaState.join(', ')}; next writable address ${s.nextWritableAddress}, ${s.freeSectors} sectors free`;
}

/** The media state as the drive reports it now, as text. */
export async function describeState(recorder: DiscRecorder): Promise<string> {
  return stateText(await driveState(recorder));
}

async function report(
  io: CliIo,
  json: boolean,
  data: DiscFormat2Data,
  r: BurnResult,
  elapsedSec: number,
): Promise<Record<string, unknown>> {
  const speed = await data.getCurrentWriteSpeed().catch(() => undefined);
  const figures = {
    startLba: r.startLba,
    blocks: r.blocks,
    bytes: r.blocks * 2048,
    sha256: r.sha256,
    closing: r.closing,
    dao: r.dao,
    ...(r.layerBreak === undefined ? {} : { layerBreak: r.layerBreak }),
    verification: ['none', 'quick', 'full'][r.verificationLevel] ?? 'none',
    mediaState: mediaStateNames(r.mediaStateAfter),
    formatted: r.formatted !== undefined,
    elapsedMs: Math.round(elapsedSec * 1000),
    ...(speed === undefined ? {} : { writeSpeedSectorsPerSecond: speed }),
  };
  // With --json the result object is printed by burnCommand, after the close.
  if (json) return figures;
  const rec = data.recorder;
  println(
    io.stdout,
    `burned ${r.blocks} blocks (${formatMB(r.blocks * 2048)}) at LBA ${r.startLba} in ${formatDuration(elapsedSec * 1000)}, sha256 ${r.sha256}`,
  );
  const mode = r.dao ? ' (Disc-at-Once)' : '';
  println(io.stdout, `closing: ${r.closing}${mode}; verification: ${figures.verification}`);
  if (r.layerBreak !== undefined) println(io.stdout, `layer break: LBA ${r.layerBreak}`);
  if (speed !== undefined) println(io.stdout, `drive write speed now: ${speed} sectors/s`);
  if (rec !== null) println(io.stdout, `disc now: ${await describeState(rec)}`);
  return figures;
}
