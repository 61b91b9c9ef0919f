// READ TOC/PMA/ATIP of the virtual drive: formats 0 (formatted TOC), 1 (multi-session
// information) and, on CD, 2 (raw TOC) from the tracks the disc model holds, and 4 (ATIP) on CD-R/RW.
// A CD recorded with its sub-channel (raw DAO, Session-at-Once) answers formats 0, 1, 2 from the
// Q channel it carries and 5 (CD-TEXT) from its lead-in (toc-cd.ts).

import {
  decodeReadTocPmaAtipCdb,
  encodeReadTocPmaAtipData,
  LEAD_OUT_TRACK_NUMBER,
  TocFormat,
  TocPoint,
  type RawTocDescriptor,
} from '../../../scsi/mmc/read-toc-pma-atip.js';
import { encodeAtipData } from '../../../scsi/mmc/atip.js';
import { lbaToMsf, MSF_LBA_MAX } from '../../../scsi/mmc/msf.js';
import { fail, Sense } from '../check.js';
import type { DiscLayout, Track } from '../disc-layout.js';
import { cdbOf, EMPTY, upTo, type Handler } from './exchange.js';
import { cdMap } from '../cd-map.js';
import { encodeCdTextTocData } from '../../../scsi/mmc/read-toc-cd-text.js';
import { tocFromMap } from './toc-cd.js';

/** Tracks that appear in a TOC: closed ones and those holding data. */
function tocTracks(disc: DiscLayout): Track[] {
  return disc.tracks.filter((t) => t.closed || disc.recorded(t) > 0);
}

function trackEnd(disc: DiscLayout, t: Track): number {
  return t.closed && t.size !== undefined ? t.start + t.size : t.nwa;
}

function tocControl(disc: DiscLayout, t: Track): number {
  return disc.spec.family === 'cd' ? t.trackMode & 0x0f : 0x4;
}

/** The ATIP of a CD-R/RW (blank or not); other media have none (05/24/00). */
function atipOf(disc: DiscLayout): Uint8Array {
  if (disc.spec.family !== 'cd')
    fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'ATIP is CD-R/RW only');
  return encodeAtipData({
    indicativeTargetWritingPower: 5,
    ddcd: false,
    referenceSpeed: disc.spec.erasable ? 1 : 0,
    uru: false,
    discTypeRewritable: disc.spec.erasable,
    discSubType: 0,
    a1Valid: false,
    a2Valid: false,
    a3Valid: false,
    // The ATIP times of the disc as made, whatever is recorded.
    startTimeOfLeadIn: lbaToMsf(disc.spec.leadInStart),
    lastPossibleStartOfLeadOut: lbaToMsf(Math.min(disc.rawCapacity, MSF_LBA_MAX)),
  });
}

export const readTocPmaAtip: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeReadTocPmaAtipCdb);
  const disc = core.media();
  const allocationLength = cdb.allocationLength;
  if (cdb.format === TocFormat.ATIP) return upTo(atipOf(disc), allocationLength);
  const map = await cdMap(core);
  if (map !== undefined) return upTo(tocFromMap(disc, map, cdb), allocationLength);
  if (cdb.format === TocFormat.CD_TEXT && disc.spec.family === 'cd') {
    return upTo(encodeCdTextTocData(EMPTY), allocationLength);
  }
  const tracks = tocTracks(disc);
  if (tracks.length === 0) fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'no TOC on a blank disc');
  const first = tracks[0]!;
  const last = tracks[tracks.length - 1]!;
  switch (cdb.format) {
    case TocFormat.FORMATTED_TOC: {
      const from = cdb.trackSessionNumber;
      if (from > last.number && from !== LEAD_OUT_TRACK_NUMBER) fail(Sense.INVALID_FIELD_IN_CDB);
      const listed = tracks.filter((t) =>
        from === LEAD_OUT_TRACK_NUMBER ? false : t.number >= from,
      );
      const descriptors = [
        ...listed.map((t) => ({
          adr: 1,
          control: tocControl(disc, t),
          trackNumber: t.number,
          trackStartAddress: t.start,
        })),
        {
          adr: 1,
          control: tocControl(disc, last),
          trackNumber: LEAD_OUT_TRACK_NUMBER,
          trackStartAddress: trackEnd(disc, last),
        },
      ];
      return upTo(
        encodeReadTocPmaAtipData(
          {
            format: TocFormat.FORMATTED_TOC,
            firstTrackNumber: first.number,
            lastTrackNumber: last.number,
            descriptors,
          },
          { msf: cdb.msf },
        ),
        allocationLength,
      );
    }
    case TocFormat.MULTI_SESSION_INFORMATION: {
      const closed = disc.sessions.filter((s) => s.closed);
      const session = closed[closed.length - 1]?.number ?? 1;
      const t = tracks.find((tr) => tr.session === session) ?? first;
      return upTo(
        encodeReadTocPmaAtipData(
          {
            format: TocFormat.MULTI_SESSION_INFORMATION,
            firstCompleteSessionNumber: 1,
            lastCompleteSessionNumber: session,
            descriptors: [
              {
                adr: 1,
                control: tocControl(disc, t),
                trackNumber: t.number,
                trackStartAddress: t.start,
              },
            ],
          },
          { msf: cdb.msf },
        ),
        allocationLength,
      );
    }
    case TocFormat.RAW_TOC: {
      if (disc.spec.family !== 'cd')
        fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'raw TOC is CD only');
      const closed = disc.sessions.filter((s) => s.closed);
      if (closed.length === 0) fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'no complete session');
      const descriptors: RawTocDescriptor[] = [];
      const q = (
        session: number,
        control: number,
        point: number,
        p: { m: number; s: number; f: number },
      ) =>
        descriptors.push({
          sessionNumber: session,
          adr: 1,
          control,
          tno: 0,
          point,
          min: 0,
          sec: 0,
          frame: 0,
          zero: 0,
          pmin: p.m,
          psec: p.s,
          pframe: p.f,
        });
      for (const s of closed) {
        const inS = tracks.filter((t) => t.session === s.number);
        const a = inS[0];
        const z = inS[inS.length - 1];
        if (a === undefined || z === undefined) continue;
        const c = tocControl(disc, a);
        q(s.number, c, TocPoint.FIRST_TRACK, { m: a.number, s: 0, f: 0 });
        q(s.number, c, TocPoint.LAST_TRACK, { m: z.number, s: 0, f: 0 });
        const lo = lbaToMsf(trackEnd(disc, z));
        q(s.number, c, TocPoint.LEAD_OUT, lo);
        for (const t of inS) {
          const m = lbaToMsf(t.start);
          q(s.number, tocControl(disc, t), t.number, m);
        }
      }
      return upTo(
        encodeReadTocPmaAtipData({
          format: TocFormat.RAW_TOC,
          firstCompleteSessionNumber: closed[0]!.number,
          lastCompleteSessionNumber: closed[closed.length - 1]!.number,
          descriptors,
        }),
        allocationLength,
      );
    }
    default:
      return fail(Sense.INVALID_FIELD_IN_CDB, undefined, `TOC format ${cdb.format}`);
  }
};
