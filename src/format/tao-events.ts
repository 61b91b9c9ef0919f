// The events of DiscFormat2TrackAtOnce: IMAPI_FORMAT2_TAO_WRITE_ACTION and
// IDiscFormat2TrackAtOnceEventArgs (camelCase, times in ms), with the write engine's progress.

import type { WriteEngineEventArgs } from '../engine/index.js';
import type { DiscFormat2TrackAtOnce } from './disc-format2-track-at-once.js';

/** IMAPI_FORMAT2_TAO_WRITE_ACTION. */
export const Format2TaoWriteAction = {
  UNKNOWN: 0,
  PREPARING: 1,
  WRITING: 2,
  FINISHING: 3,
} as const;
export type Format2TaoWriteAction =
  (typeof Format2TaoWriteAction)[keyof typeof Format2TaoWriteAction];

/** IDiscFormat2TrackAtOnceEventArgs, with the engine's progress of the track being written. */
export interface DiscFormat2TrackAtOnceEventArgs {
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

/** Calls each `update` listener; one listener's exception neither stops the others nor the write. */
export function emitUpdate(
  sender: DiscFormat2TrackAtOnce,
  args: DiscFormat2TrackAtOnceEventArgs,
): void {
  for (const listener of sender.listeners('update')) {
    try {
      (listener as TaoUpdateListener).call(sender, sender, args);
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      process.emitWarning(`an update listener threw: ${detail}`, { code: 'DW_LISTENER_ERROR' });
    }
  }
}
