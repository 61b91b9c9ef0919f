// Progress output of a write: a live cli-progress line on a terminal, a plain line every few
// seconds when stdout is a pipe or a file, or one JSON object per engine update with --json.

import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { WriteEngineEventArgs } from '../engine/event-args.js';
import { progressLine, type MediaFamily, type ProgressFigures } from './format.js';
import { println, type OutputStream } from './io.js';

export type ProgressMode = 'tty' | 'plain' | 'json';

// cli-progress is loaded when a live line is first drawn, not with the command: a write to a pipe,
// a file or --json never needs it, and loading it is part of every command's start-up (issue #21,
// "The whole command"; BENCHMARKS.md §7). It is CommonJS, so a synchronous require does.
const requireHere = createRequire(import.meta.url);

/** Seconds between plain progress lines (the first and the final update are always shown). */
export const PLAIN_INTERVAL_MS = 3000;

export interface ProgressOptions {
  readonly mode: ProgressMode;
  readonly stream: OutputStream;
  readonly bytesPerSector: number;
  /** For the speed factor ("16.0x"); omitted when the media is unknown. */
  readonly family?: MediaFamily | undefined;
  readonly plainIntervalMs?: number;
}

/** The mode for an output stream: JSON when asked, a live line on a TTY, plain lines otherwise. */
export function progressMode(stream: OutputStream, json: boolean): ProgressMode {
  if (json) return 'json';
  return stream.isTTY === true ? 'tty' : 'plain';
}

export function figuresOf(args: WriteEngineEventArgs, bytesPerSector: number): ProgressFigures {
  return {
    sectorCount: args.sectorCount,
    blocksWritten: args.blocksWritten,
    bytesPerSector,
    bytesPerSecond: args.bytesPerSecond,
    averageBytesPerSecond: args.averageBytesPerSecond,
    etaMs: args.etaMs,
    totalSystemBuffer: args.totalSystemBuffer,
    usedSystemBuffer: args.usedSystemBuffer,
    totalDeviceBuffer: args.totalDeviceBuffer,
    usedDeviceBuffer: args.usedDeviceBuffer,
    elapsedMs: args.elapsedMs,
  };
}

/** Renders engine `update` events. Listener work stays small: the engine waits for it. */
export class ProgressReporter {
  readonly #o: ProgressOptions;
  #bar: cliProgress.SingleBar | undefined;
  #lastPlainMs = Number.NEGATIVE_INFINITY;
  #last: WriteEngineEventArgs | undefined;
  #stopped = false;

  constructor(options: ProgressOptions) {
    this.#o = options;
  }

  /** The most recent event seen (the final one once the section ended). */
  get last(): WriteEngineEventArgs | undefined {
    return this.#last;
  }

  update(args: WriteEngineEventArgs): void {
    this.#last = args;
    if (this.#stopped) return;
    const { mode, stream } = this.#o;
    switch (mode) {
      case 'json':
        println(stream, JSON.stringify({ event: 'update', ...args }));
        break;
      case 'plain':
        if (args.final || args.elapsedMs - this.#lastPlainMs >= this.#interval()) {
          this.#lastPlainMs = args.elapsedMs;
          println(stream, this.#line(args));
        }
        break;
      case 'tty':
        this.#tty(args);
        break;
    }
    if (args.final) this.stop();
  }

  #interval(): number {
    return this.#o.plainIntervalMs ?? PLAIN_INTERVAL_MS;
  }

  #line(args: WriteEngineEventArgs): string {
    return progressLine(figuresOf(args, this.#o.bytesPerSector), this.#o.family);
  }

  #tty(args: WriteEngineEventArgs): void {
    const payload = { line: this.#line(args) };
    if (this.#bar === undefined) {
      const { SingleBar } = requireHere('cli-progress') as typeof cliProgress;
      this.#bar = new SingleBar({
        stream: this.#o.stream,
        format: (_options, _params, p: { line?: string }) => p.line ?? '',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        fps: 10,
        linewrap: false,
      });
      this.#bar.start(args.sectorCount, args.blocksWritten, payload);
    } else {
      this.#bar.update(args.blocksWritten, payload);
    }
  }

  /** Ends the live line (idempotent); later events are remembered but not shown. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#bar !== undefined) {
      // The final figures must be on screen before the bar's last redraw.
      this.#bar.render();
      this.#bar.stop();
    }
  }
}
