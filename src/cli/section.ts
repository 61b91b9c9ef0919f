// Running one section through the WriteEngine for the CLI (write-section and demo): engine set-up,
// progress rendering, and Ctrl-C (Interrupt, which burn and the duplicator use too): the first
// cancels cleanly; once a section runs, a second stops waiting for the engine but not for the
// drive, which is still asked and closed so nothing it acknowledged is lost (README, "Ctrl-C"); a
// third exits at once. The final report is section-report.ts.

import { DwError, HR } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import { WriteEngine, type BlockSource, type WriteEngineEventArgs } from '../engine/index.js';
import { mediaFamilyOfProfile, type MediaFamily } from './format.js';
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
  readonly queueDepth?: number;
  readonly maxTransferSize?: number;
}

export interface SectionOutcome {
  /** undefined when every block was written. */
  readonly error: unknown;
  /** The final update event, when the section got that far. */
  readonly last: WriteEngineEventArgs | undefined;
  /** Blocks the drive acknowledged (GOOD status), as the engine counted them. */
  readonly blocksWritten: number;
}

/**
 * Ctrl-C for the duration of a command. The first aborts `signal` and cancels the engine. While
 * the drive may hold acknowledged blocks (between guard() and dispose()) a second one stops the
 * wait of unlessAbandoned() and is otherwise taken, so the command still asks and closes the
 * drive; without a guard, or at the third, main.ts exits at once.
 */
export class Interrupt {
  readonly #controller = new AbortController();
  readonly #off: () => void;
  readonly #io: CliIo;
  #engine: WriteEngine | undefined;
  #count = 0;
  #guarded = false;
  readonly #abandoned: Promise<undefined>;
  #abandon: () => void = () => undefined;
  #onAbandon: () => void = () => undefined;

  constructor(io: CliIo) {
    this.#io = io;
    this.#abandoned = new Promise((resolve) => {
      this.#abandon = () => resolve(undefined);
    });
    this.#off = io.onInterrupt(() => this.#interrupt());
  }

  #interrupt(): boolean {
    this.#count++;
    if (this.#count === 1) {
      const next = this.#guarded
        ? 'Ctrl-C again to stop waiting; the drive is still closed'
        : 'Ctrl-C again to exit at once';
      println(this.#io.stderr, `cancelling at the next command boundary (${next})`);
      this.#engine?.cancelWrite();
      this.#controller.abort();
      return true;
    }
    if (this.#count === 2 && this.#guarded) {
      println(
        this.#io.stderr,
        'interrupted: no longer waiting for the write; asking and closing the drive so what it' +
          ' acknowledged stays (Ctrl-C again to exit at once, losing what is in its cache)',
      );
      this.#onAbandon();
      this.#abandon();
      return true;
    }
    return false;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get requested(): boolean {
    return this.#controller.signal.aborted;
  }

  /**
   * The engine whose cancelWrite() a Ctrl-C calls; `onAbandon` runs when a second Ctrl-C stops
   * the wait (the progress output stops, so nothing follows the result).
   */
  attach(engine: WriteEngine, onAbandon: () => void): void {
    this.#engine = engine;
    this.#onAbandon = onAbandon;
  }

  /** From now until dispose() the drive may hold acknowledged blocks: a second Ctrl-C keeps them. */
  guard(): void {
    this.#guarded = true;
  }

  /** `work`'s result, or undefined as soon as a second Ctrl-C stops the wait. */
  unlessAbandoned<T>(work: Promise<T>): Promise<T | undefined> {
    return Promise.race([work, this.#abandoned]);
  }

  /** Rejects with E_IMAPI_REQUEST_CANCELLED when Ctrl-C came (before the write, or after it). */
  check(): void {
    if (this.requested) {
      throw new DwError(HR.E_IMAPI_REQUEST_CANCELLED, {
        message: this.#guarded
          ? 'cancelled after the section was written'
          : 'cancelled before anything was written',
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
  output: {
    io: CliIo;
    mode: ProgressMode;
    family: MediaFamily | undefined;
    /** Also called with every update (the burn log, the sparkline). */
    onUpdate?: (args: WriteEngineEventArgs) => void;
  },
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
    if (p.queueDepth !== undefined) engine.queueDepth = p.queueDepth;
    if (p.maxTransferSize !== undefined) engine.maxTransferSize = p.maxTransferSize;
    if (p.startSpeed !== undefined) engine.startingSectorsPerSecond = p.startSpeed;
    if (p.endSpeed !== undefined) engine.endingSectorsPerSecond = p.endSpeed;
    if (p.write12 === true) engine.useStreamingWrite12 = true;
    const onUpdate = output.onUpdate;
    engine.on('update', (_sender, args) => {
      reporter.update(args);
      onUpdate?.(args);
    });
    interrupt.attach(engine, () => reporter.stop());
    interrupt.guard();
    await engine.writeSection(source, p.lba, p.blocks, { signal: interrupt.signal });
  } catch (e) {
    error = e;
  } finally {
    reporter.stop();
  }
  const last = reporter.last;
  const blocksWritten = last?.blocksWritten ?? 0;
  return { error, last, blocksWritten };
}
