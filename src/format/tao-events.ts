// The events of DiscFormat2TrackAtOnce: IMAPI_FORMAT2_TAO_WRITE_ACTION and
// IDiscFormat2TrackAtOnceEventArgs (camelCase, times in ms), with the write engine's progress
// (format2-events.ts builds it; DiscFormat2Base delivers it).

import type { WriteEngineEventArgs } from '../engine/index.js';
import type { DiscFormat2TrackAtOnce } from './disc-format2-track-at-once.js';
import type { Format2Progress, WriteEngine2Fields } from './format2-events.js';

/** IMAPI_FORMAT2_TAO_WRITE_ACTION. */
export const Format2TaoWriteAction = {
  UNKNOWN: 0,
  PREPARING: 1,
  WRITING: 2,
  FINISHING: 3,
} as const;
export type Format2TaoWriteAction =
  (typeof Format2TaoWriteAction)[keyof typeof Format2TaoWriteAction];

/**
 * IDiscFormat2TrackAtOnceEventArgs, with the IWriteEngine2EventArgs members it inherits (the
 * track's section) and the engine's full args while WRITING.
 */
export interface DiscFormat2TrackAtOnceEventArgs extends WriteEngine2Fields {
  readonly currentTrackNumber: number;
  readonly currentAction: Format2TaoWriteAction;
  readonly elapsedTimeMs: number;
  readonly remainingTimeMs: number;
  readonly engine?: WriteEngineEventArgs;
}

export type TaoUpdateListener = (
  sender: DiscFormat2TrackAtOnce,
  args: DiscFormat2TrackAtOnceEventArgs,
) => void;

/** A write's progress as the event args of track `currentTrackNumber`. */
export function taoEventArgs(
  currentTrackNumber: number,
  p: Format2Progress,
): DiscFormat2TrackAtOnceEventArgs {
  return {
    ...p.fields,
    currentTrackNumber,
    currentAction: p.action,
    elapsedTimeMs: p.elapsedMs,
    remainingTimeMs: p.remainingMs,
    ...(p.engine === undefined ? {} : { engine: p.engine }),
  };
}
