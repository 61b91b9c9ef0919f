// Running one section through the WriteEngine for the CLI (write-section and demo): engine set-up,
// progress rendering, Ctrl-C as a clean cancel, and the result report (text or the JSON result
// object) with the last written LBA.

import { DwError, HR } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import { WriteEngine, type BlockSource, type WriteEngineEventArgs } from '../engine/index.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import {
  errorReport,
  formatDuration,
  formatMB,
  jsonResult,
  mediaFamilyOfProfile,
  type MediaFamily,
} from './format.js';
import { println, type CliIo } from './io.js';
import { ProgressReporter, type ProgressMode } from './progress.js';

export interface SectionParameters {
  readonly lba: number;
  readonly blocks: number;
  readonly bytesPerSector: number;
  readonly write12?: boolean;
  readonly startSpeed?: number;
  readonly endSpeed?: number;
  readonly hostBufferSize?: number;
}

export interface SectionOutcome {
  /** undefined when every block was written. */
  readonly error: unknown;
  /** The final update event, when the section got that far. */
  readonly last: WriteEngineEventArgs | undefined;
  readonly blocksWritten: number;
  /** startLba + blocksWritten − 1: startLba − 1 when nothing was written. */
  readonly lastWrittenLba: number;
}

/** Ctrl-C for the duration of a command: the first aborts `signal`, a second exits (main.ts). */
export class Interrupt {
  readonly #controller = new AbortController();
  readonly #off: () => void;
  #engine: WriteEngine | undefined;

  constructor(io: CliIo) {
    this.#off = io.onInterrupt(() => {
      println(io.stderr, 'cancelling at the next command boundary (Ctrl-C again to exit at once)');
      this.#engine?.cancelWrite();
      this.#controller.abort();
    });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get requested(): boolean {
    return this.#controller.signal.aborted;
  }

  /** The engine whose cancelWrite() a Ctrl-C calls. */
  attach(engine: WriteEngine): void {
    this.#engine = engine;
  }

  /** Rejects with E_IMAPI_REQUEST_CANCELLED when Ctrl-C came before the write started. */
  check(): void {
    if (this.requested) {
      throw new DwError(HR.E_IMAPI_REQUEST_CANCELLED, {
        message: 'cancelled before anything was written',
      });
    }
  }

  dispose(): void {
    this.#off();
  }
}

/** The media family of the loaded disc (for the "x" speed figure), when the drive tells. */
export async function mediaFamily(recorder: DiscRecorder): Promise<MediaFamily | undefined> {
  try {
    return mediaFamilyOfProfile(await recorder.getCurrentProfile());
  } catch {
    return undefined;
  }
}

/** Writes one section with progress output; never throws: the outcome carries the error. */
export async function runSection(
  recorder: DiscRecorder,
  source: BlockSource,
  p: SectionParameters,
  output: { io: CliIo; mode: ProgressMode; family: MediaFamily | undefined },
  interrupt: Interrupt,
): Promise<SectionOutcome> {
  const reporter = new ProgressReporter({
    mode: output.mode,
    stream: output.io.stdout,
    bytesPerSector: p.bytesPerSector,
    family: output.family,
  });
  let error: unknown;
  try {
    interrupt.check();
    const engine = new WriteEngine();
    await engine.setRecorder(recorder);
    engine.bytesPerSector = p.bytesPerSector;
    if (p.hostBufferSize !== undefined) engine.hostBufferSize = p.hostBufferSize;
    if (p.startSpeed !== undefined) engine.startingSectorsPerSecond = p.startSpeed;
    if (p.endSpeed !== undefined) engine.endingSectorsPerSecond = p.endSpeed;
    if (p.write12 === true) engine.useStreamingWrite12 = true;
    engine.on('update', (_sender, args) => reporter.update(args));
    interrupt.attach(engine);
    await engine.writeSection(source, p.lba, p.blocks, { signal: interrupt.signal });
  } catch (e) {
    error = e;
  } finally {
    reporter.stop();
  }
  const last = reporter.last;
  const blocksWritten = last?.blocksWritten ?? 0;
  return { error, last, blocksWritten, lastWrittenLba: p.lba + blocksWritten - 1 };
}

/** Figures of the JSON result object and of the text summary. */
export function sectionFigures(p: SectionParameters, o: SectionOutcome): Record<string, unknown> {
  return {
    lastWrittenLba: o.lastWrittenLba,
    blocksWritten: o.blocksWritten,
    startLba: p.lba,
    sectorCount: p.blocks,
    bytesPerSector: p.bytesPerSector,
    elapsedMs: Math.round(o.last?.elapsedMs ?? 0),
    averageBytesPerSecond: Math.round(o.last?.averageBytesPerSecond ?? 0),
  };
}

function lastWrittenText(p: SectionParameters, o: SectionOutcome): string {
  const lba = o.blocksWritten > 0 ? String(o.lastWrittenLba) : 'none';
  return `last written LBA ${lba} (${o.blocksWritten} of ${p.blocks} blocks written)`;
}

/**
 * Prints the outcome (the JSON result object on stdout with --json; errors always also as a
 * report on stderr) and returns the exit status.
 */
export function reportSection(
  io: CliIo,
  json: boolean,
  p: SectionParameters,
  o: SectionOutcome,
  extra: Record<string, unknown> = {},
): number {
  const code = exitCodeFor(o.error);
  if (json)
    println(io.stdout, JSON.stringify(jsonResult(o.error, { ...sectionFigures(p, o), ...extra })));
  if (o.error === undefined) {
    if (!json) {
      const bytes = o.blocksWritten * p.bytesPerSector;
      const ms = o.last?.elapsedMs ?? 0;
      const rate = ms > 0 ? ` at ${((bytes * 1000) / ms / 1e6).toFixed(1)} MB/s` : '';
      println(
        io.stdout,
        `wrote ${o.blocksWritten} blocks (${formatMB(bytes)}) to LBA ${p.lba}..${o.lastWrittenLba}` +
          ` in ${formatDuration(ms)}${rate}`,
      );
    }
    return code;
  }
  if (code === ExitCode.CANCELLED) {
    println(io.stderr, `cancelled: ${lastWrittenText(p, o)}`);
    return code;
  }
  println(io.stderr, errorReport(o.error));
  println(io.stderr, lastWrittenText(p, o));
  return code;
}
