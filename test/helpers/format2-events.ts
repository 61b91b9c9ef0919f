// Checks on the `update` events of DiscFormat2TrackAtOnce and DiscFormat2RawCD, which share their
// progress (src/format/format2-events.ts): the actions in order, times against the virtual clock
// read when each event arrived, the remaining time from the engine's estimate, and the inherited
// IWriteEngine2EventArgs fields against the section the drive was sent.

import assert from 'node:assert/strict';
import type { VirtualClock } from '../../src/transport/clock.js';
import type { WriteEngineEventArgs } from '../../src/engine/index.js';
import type { WriteEngine2Fields } from '../../src/format/index.js';

/** What both event args have, with the times in ms. */
export interface SeenEvent extends WriteEngine2Fields {
  readonly action: number;
  readonly elapsedMs: number;
  readonly remainingMs: number;
  readonly engineEtaMs: number | null | undefined;
  /** The virtual clock when the listener ran. */
  readonly at: number;
}

/** An event's action, times in ms, and the fields both event args have. */
export function seen(
  action: number,
  elapsedMs: number,
  remainingMs: number,
  a: WriteEngine2Fields & { readonly engine?: WriteEngineEventArgs },
): Omit<SeenEvent, 'at'> {
  return {
    action,
    elapsedMs,
    remainingMs,
    startLba: a.startLba,
    sectorCount: a.sectorCount,
    lastReadLba: a.lastReadLba,
    lastWrittenLba: a.lastWrittenLba,
    totalSystemBuffer: a.totalSystemBuffer,
    usedSystemBuffer: a.usedSystemBuffer,
    freeSystemBuffer: a.freeSystemBuffer,
    engineEtaMs: a.engine?.etaMs,
  };
}

/**
 * Checks one write's events: PREPARING once first, then WRITING, then FINISHING once last; the
 * elapsed time is the clock's since `calledAt`; WRITING's remaining time is the engine's
 * estimate; the LBAs stay in the section and end at its last sector.
 */
export function checkWriteEvents(
  events: readonly SeenEvent[],
  calledAt: number,
  section: { startLba: number; sectorCount: number },
): void {
  const actions = events.map((e) => e.action);
  assert.equal(actions[0], 1, 'PREPARING first');
  assert.equal(actions.at(-1), 3, 'FINISHING last');
  assert.equal(actions.filter((a) => a === 1).length, 1);
  assert.equal(actions.filter((a) => a === 3).length, 1);
  assert.ok(actions.slice(1, -1).length > 0, 'WRITING in between');
  assert.ok(
    actions.slice(1, -1).every((a) => a === 2),
    'only WRITING between',
  );
  let lastWritten = section.startLba;
  for (const e of events) {
    // Raw's times are seconds: the ms compared here went through a division by 1000.
    assert.ok(Math.abs(e.elapsedMs - (e.at - calledAt)) < 1e-6, 'elapsed time from the clock');
    assert.equal(e.startLba, section.startLba);
    assert.equal(e.sectorCount, section.sectorCount);
    assert.equal(e.freeSystemBuffer + e.usedSystemBuffer, e.totalSystemBuffer);
    assert.ok(e.lastWrittenLba >= lastWritten, 'lastWrittenLba never goes back');
    assert.ok(e.lastWrittenLba <= e.lastReadLba);
    lastWritten = e.lastWrittenLba;
    const remaining = e.action === 2 ? Math.max(0, e.engineEtaMs ?? 0) : 0;
    assert.ok(Math.abs(e.remainingMs - remaining) < 1e-6, 'remaining time from the engine');
  }
  assert.equal(events[0]!.lastWrittenLba, section.startLba, 'nothing written while preparing');
  const end = section.startLba + section.sectorCount - 1;
  assert.equal(events.at(-1)!.lastWrittenLba, end, 'FINISHING after the last sector');
  assert.ok(
    events.some((e) => e.action === 2 && e.remainingMs > 0),
    'a remaining time while writing',
  );
  assert.ok(events.at(-1)!.elapsedMs > 0, 'time passed');
}

/** Records events with the clock's time, through `toSeen`. */
export function recordEvents<A>(
  clock: VirtualClock,
  toSeen: (a: A) => Omit<SeenEvent, 'at'>,
): { events: SeenEvent[]; listener: (_s: unknown, a: A) => void } {
  const events: SeenEvent[] = [];
  return { events, listener: (_s, a) => events.push({ ...toSeen(a), at: clock.now() }) };
}
