// READ TOC/PMA/ATIP of a CD recorded with its sub-channel (raw DAO, Session-at-Once): formats 0,
// 1 and 2 from the Q channel the sectors carry (cd-map.ts), 5 from the lead-in's CD-TEXT. Format
// 0 lists the tracks of every session and the last session's lead-out; format 1 the first track
// of the last session; the full TOC (format 2) what each session's lead-in carries: A0, A1, A2
// and its tracks in binary MSF, B0 (ADR 5, the next program area) in every session another one
// follows or may follow, and C0 (the first lead-in, ATIP) in the first session's.

import {
  encodeReadTocPmaAtipData,
  LEAD_OUT_TRACK_NUMBER,
  TocFormat,
  TocPoint,
  type RawTocDescriptor,
  type ReadTocPmaAtipCdb,
} from '../../../scsi/mmc/read-toc-pma-atip.js';
import { encodeCdTextTocData } from '../../../scsi/mmc/read-toc-cd-text.js';
import { lbaToMsf, MSF_LBA_MAX } from '../../../scsi/mmc/msf.js';
import { failAt, Sense } from '../check.js';
import type { CdMap, MapSession, MapTrack } from '../cd-map.js';
import type { Disc } from '../disc.js';
import { EMPTY } from './exchange.js';

const badField = (byte: number, detail: string): never =>
  failAt(Sense.INVALID_FIELD_IN_CDB, { commandData: true, fieldPointer: byte }, detail);

export function tocFromMap(disc: Disc, map: CdMap, cdb: ReadTocPmaAtipCdb): Uint8Array {
  const first = map.tracks[0] as MapTrack;
  const last = map.tracks[map.tracks.length - 1] as MapTrack;
  const msf = { msf: cdb.msf };
  switch (cdb.format) {
    case TocFormat.FORMATTED_TOC: {
      const from = cdb.trackSessionNumber;
      if (from > last.number && from !== LEAD_OUT_TRACK_NUMBER) badField(6, 'no such track');
      const listed =
        from === LEAD_OUT_TRACK_NUMBER ? [] : map.tracks.filter((t) => t.number >= from);
      const descriptors = [
        ...listed.map((t) => ({
          adr: 1,
          control: t.control,
          trackNumber: t.number,
          trackStartAddress: t.start,
        })),
        {
          adr: 1,
          control: last.control,
          trackNumber: LEAD_OUT_TRACK_NUMBER,
          trackStartAddress: map.leadOut,
        },
      ];
      return encodeReadTocPmaAtipData(
        {
          format: TocFormat.FORMATTED_TOC,
          firstTrackNumber: first.number,
          lastTrackNumber: last.number,
          descriptors,
        },
        msf,
      );
    }
    case TocFormat.MULTI_SESSION_INFORMATION: {
      const lastSession = map.sessions[map.sessions.length - 1] as MapSession;
      const t = lastSession.tracks[0] as MapTrack;
      return encodeReadTocPmaAtipData(
        {
          format: TocFormat.MULTI_SESSION_INFORMATION,
          firstCompleteSessionNumber: 1,
          lastCompleteSessionNumber: lastSession.number,
          descriptors: [
            { adr: 1, control: t.control, trackNumber: t.number, trackStartAddress: t.start },
          ],
        },
        msf,
      );
    }
    case TocFormat.RAW_TOC: {
      const descriptors: RawTocDescriptor[] = [];
      const at = (lba: number) => {
        const v = lbaToMsf(lba);
        return [v.m, v.s, v.f];
      };
      for (const [i, session] of map.sessions.entries()) {
        const entry = (
          adr: number,
          control: number,
          point: number,
          m: readonly number[],
          p: readonly number[],
        ) =>
          descriptors.push({
            sessionNumber: session.number,
            adr,
            control,
            tno: 0,
            point,
            min: m[0] ?? 0,
            sec: m[1] ?? 0,
            frame: m[2] ?? 0,
            zero: m[3] ?? 0,
            pmin: p[0] ?? 0,
            psec: p[1] ?? 0,
            pframe: p[2] ?? 0,
          });
        const a = session.tracks[0] as MapTrack;
        const z = session.tracks[session.tracks.length - 1] as MapTrack;
        // PSEC of A0: the disc type, 00h CD-DA / CD-ROM, 20h CD-ROM XA (a Mode 2 first track).
        entry(1, a.control, TocPoint.FIRST_TRACK, [], [a.number, a.dataMode === 2 ? 0x20 : 0, 0]);
        entry(1, z.control, TocPoint.LAST_TRACK, [], [z.number, 0, 0]);
        entry(1, z.control, TocPoint.LEAD_OUT, [], at(session.leadOut));
        for (const t of session.tracks) entry(1, t.control, t.number, [], at(t.start));
        const next = nextProgramArea(disc, map, i);
        if (next === undefined) continue;
        // B0: start of the next program area, 2 mode 5 pointers, the last possible lead-out;
        // C0 (first session only): the first lead-in's start (ATIP).
        const lastLeadOut = Math.min(disc.rawCapacity, MSF_LBA_MAX);
        entry(5, z.control, TocPoint.NEXT_PROGRAM_AREA, [...at(next), 2], at(lastLeadOut));
        if (i === 0) entry(5, z.control, TocPoint.FIRST_LEAD_IN, [], at(disc.spec.leadInStart));
      }
      return encodeReadTocPmaAtipData({
        format: TocFormat.RAW_TOC,
        firstCompleteSessionNumber: 1,
        lastCompleteSessionNumber: (map.sessions[map.sessions.length - 1] as MapSession).number,
        descriptors,
      });
    }
    case TocFormat.CD_TEXT:
      return encodeCdTextTocData(map.cdText ?? EMPTY);
    default:
      return badField(2, `TOC format ${cdb.format}`);
  }
}

/**
 * Where the program area after the `i`-th session of the map starts (its B0): the next session's
 * first track, or the open session's while the disc takes another; undefined after the last.
 */
function nextProgramArea(disc: Disc, map: CdMap, i: number): number | undefined {
  const following = map.sessions[i + 1];
  if (following !== undefined) {
    return disc.tracks.find((t) => t.session === following.number)?.start;
  }
  const open = disc.invisibleTrack;
  const session = map.sessions[i] as MapSession;
  return !disc.finalized && open !== undefined && open.session > session.number
    ? open.start
    : undefined;
}
