// The progress of a track-at-once or raw write, shared by their `update` events: the action
// (PREPARING, WRITING, FINISHING of IMAPI_FORMAT2_TAO_WRITE_ACTION and
// IMAPI_FORMAT2_RAW_CD_WRITE_ACTION, which have the same values), the elapsed time from the clock
// since the write was called, the remaining time from the write engine's estimate, and the
// IWriteEngine2EventArgs fields both event-args interfaces inherit (from the engine's last update,
// or the section's start before the first). Also IDiscFormat2RawCDEventArgs itself.

import { Format2RawCdWriteAction } from '../device/types.js';
import type { WriteEngineEventArgs } from '../engine/index.js';
import type { Clock } from '../transport/clock.js';

export { Format2RawCdWriteAction };
export type Format2RawCdWriteAction =
  (typeof Format2RawCdWriteAction)[keyof typeof Format2RawCdWriteAction];

/** The IWriteEngine2EventArgs members of IDiscFormat2TrackAtOnceEventArgs / RawCDEventArgs. */
export type WriteEngine2Fields = Pick<
  WriteEngineEventArgs,
  | 'startLba'
  | 'sectorCount'
  | 'lastReadLba'
  | 'lastWrittenLba'
  | 'totalSystemBuffer'
  | 'usedSystemBuffer'
  | 'freeSystemBuffer'
>;

/** IDiscFormat2RawCDEventArgs: times in seconds (as IMAPI2's), plus the engine's args. */
export interface DiscFormat2RawCDEventArgs extends WriteEngine2Fields {
  readonly currentAction: Format2RawCdWriteAction;
  readonly elapsedTime: number;
  readonly remainingTime: number;
  /** The write engine's update while WRITING. */
  readonly engine?: WriteEngineEventArgs;
}

/** One moment of a write, before each interface shapes it into its event args. */
export interface Format2Progress {
  /** 1 PREPARING, 2 WRITING, 3 FINISHING (both enums). */
  readonly action: 1 | 2 | 3;
  readonly elapsedMs: number;
  /** The engine's estimate while WRITING; 0 while preparing or finishing (not known). */
  readonly remainingMs: number;
  readonly fields: WriteEngine2Fields;
  readonly engine?: WriteEngineEventArgs;
}

/** What a write's progress is told: the phases in order, and the engine's updates between. */
export interface Format2ProgressSink {
  phase(action: 1 | 3): void;
  engine(args: WriteEngineEventArgs): void;
}

/**
 * Tracks one write called at `started`: `send` gets a Format2Progress per phase change and per
 * engine update. The section is where the write starts and how many sectors it has.
 */
export function format2Progress(
  clock: Clock,
  section: { readonly startLba: number; readonly sectorCount: number },
  send: (p: Format2Progress) => void,
  started = clock.now(),
): Format2ProgressSink {
  let fields: WriteEngine2Fields = {
    startLba: section.startLba,
    sectorCount: section.sectorCount,
    lastReadLba: section.startLba,
    lastWrittenLba: section.startLba,
    totalSystemBuffer: 0,
    usedSystemBuffer: 0,
    freeSystemBuffer: 0,
  };
  const elapsed = () => Math.max(0, clock.now() - started);
  return {
    phase(action) {
      send({ action, elapsedMs: elapsed(), remainingMs: 0, fields });
    },
    engine(args) {
      fields = {
        startLba: args.startLba,
        sectorCount: args.sectorCount,
        lastReadLba: args.lastReadLba,
        lastWrittenLba: args.lastWrittenLba,
        totalSystemBuffer: args.totalSystemBuffer,
        usedSystemBuffer: args.usedSystemBuffer,
        freeSystemBuffer: args.freeSystemBuffer,
      };
      const remainingMs = Math.max(0, args.etaMs ?? 0);
      send({ action: 2, elapsedMs: elapsed(), remainingMs, fields, engine: args });
    },
  };
}

/** A write's progress as IDiscFormat2RawCDEventArgs. */
export function rawEventArgs(p: Format2Progress): DiscFormat2RawCDEventArgs {
  return {
    ...p.fields,
    currentAction: p.action,
    elapsedTime: p.elapsedMs / 1000,
    remainingTime: p.remainingMs / 1000,
    ...(p.engine === undefined ? {} : { engine: p.engine }),
  };
}
