// The tracks of a virtual CD as READ TRACK INFORMATION and READ DISC INFORMATION number them, so
// that they agree with READ TOC (docs/raw-cd.md, "Virtual drive"). The disc model (disc.ts) keeps
// a Session-at-Once or raw disc-at-once session as one track, written in one stream; the tracks a
// player finds in it come from the Q channel (cd-map.ts). Here each such session is replaced by
// the tracks of its Q, and the model's other tracks (the open session's invisible track, …) are
// numbered on after them, as a drive numbers the tracks of its TOC and PMA.

import { cdMap, type CdMap, type MapTrack } from './cd-map.js';
import type { DriveCore } from './core.js';
import type { Track } from './disc-layout.js';

/** A track as the drive reports it. */
export interface CdTrackView {
  /** The number READ TOC gives it. */
  readonly number: number;
  readonly session: number;
  /** The disc model's track that holds it. */
  readonly model: Track;
  /** A track found in the Q channel: recorded and fixed (start, size, mode from the Q). */
  readonly fromQ: MapTrack | undefined;
  /** First LBA that belongs to it (its pause when it has one). */
  readonly first: number;
  readonly start: number;
  /** Blocks from `start` to the next track's pause or the session's lead-out (fromQ only). */
  readonly size: number;
}

function fromMap(map: CdMap, model: Track): CdTrackView[] {
  const session = map.sessions.find((s) => s.number === model.session);
  if (session === undefined) return [];
  return session.tracks.map((t, i) => {
    const next = session.tracks[i + 1];
    const end = next === undefined ? session.leadOut : (next.pregap ?? next.start);
    return {
      number: t.number,
      session: session.number,
      model,
      fromQ: t,
      first: t.pregap ?? t.start,
      start: t.start,
      size: Math.max(0, end - t.start),
    };
  });
}

/**
 * The drive's tracks in order, or undefined when the disc holds no session recorded with its
 * sub-channel (the model's tracks are then the drive's, as they are on every other disc).
 */
export async function cdTrackViews(core: DriveCore): Promise<CdTrackView[] | undefined> {
  const disc = core.disc;
  if (disc?.spec.family !== 'cd') return undefined;
  const map = await cdMap(core);
  if (map === undefined) return undefined;
  const views: CdTrackView[] = [];
  const mapped = new Set<number>();
  for (const t of disc.tracks) {
    if (map.sessions.some((s) => s.number === t.session)) {
      // One model track holds the session's stream; its Q tracks stand for it.
      if (!mapped.has(t.session)) views.push(...fromMap(map, t));
      mapped.add(t.session);
      continue;
    }
    const number = (views[views.length - 1]?.number ?? 0) + 1;
    views.push({
      number,
      session: t.session,
      model: t,
      fromQ: undefined,
      first: t.first,
      start: t.start,
      size: t.size ?? 0,
    });
  }
  return views;
}

/** The view holding `lba` (from its pause on; the open track is open-ended). */
export function viewAt(views: readonly CdTrackView[], lba: number): CdTrackView | undefined {
  return views.find((v) =>
    v.fromQ !== undefined
      ? lba >= v.first && lba < v.start + v.size
      : lba >= v.first && (v.model.size === undefined || lba < v.start + v.model.size),
  );
}
