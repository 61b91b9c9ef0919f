// Tracks and sessions of the virtual drive's disc: READ DISC INFORMATION and READ TRACK
// INFORMATION report the layout the disc model (disc.ts) keeps; RESERVE TRACK and CLOSE
// TRACK/SESSION change it and make it durable. On a CD whose sessions were recorded with their
// sub-channel (SAO, raw DAO) both report the tracks READ TOC lists (cd-tracks.ts).

import {
  decodeReadDiscInformationCdb,
  DiscInformationDataType,
  DiscStatus,
  encodeReadDiscInformationData,
  LastSessionState,
} from '../../../scsi/mmc/read-disc-information.js';
import {
  decodeReadTrackInformationCdb,
  encodeReadTrackInformationData,
  INVISIBLE_TRACK_NUMBER,
  ReadTrackAddressType,
} from '../../../scsi/mmc/read-track-information.js';
import { decodeReserveTrackCdb } from '../../../scsi/mmc/reserve-track.js';
import { decodeCloseTrackSessionCdb } from '../../../scsi/mmc/close-track-session.js';
import { MultiSession } from '../../../scsi/mmc/mode-pages/write-parameters.js';
import { fail, Sense } from '../check.js';
import { checkDaoReservation } from '../dao.js';
import { bgFormatStatusOf, closeDvdPlusRw } from '../background-format.js';
import { OPERATION_MS } from '../operation.js';
import type { DiscLayout, Track } from '../disc-layout.js';
import { cdTrackViews, viewAt, type CdTrackView } from '../cd-tracks.js';
import { cdbOf, upTo, type Handler } from './exchange.js';

function discStatusOf(disc: DiscLayout): { discStatus: DiscStatus; lastSession: LastSessionState } {
  if (disc.random) {
    const others = disc.spec.id === 'dvd-ram' || disc.spec.id === 'bd-re';
    return {
      discStatus: others ? DiscStatus.OTHERS : DiscStatus.COMPLETE,
      lastSession: LastSessionState.COMPLETE,
    };
  }
  const s = disc.status();
  const discStatus =
    s.disc === 'blank'
      ? DiscStatus.EMPTY
      : s.disc === 'complete'
        ? DiscStatus.COMPLETE
        : DiscStatus.INCOMPLETE;
  const lastSession =
    s.lastSession === 'empty'
      ? LastSessionState.EMPTY
      : s.lastSession === 'incomplete'
        ? LastSessionState.INCOMPLETE
        : s.lastSession === 'damaged'
          ? LastSessionState.DAMAGED
          : LastSessionState.COMPLETE;
  return { discStatus, lastSession };
}

export const readDiscInformation: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeReadDiscInformationCdb);
  if (cdb.dataType !== DiscInformationDataType.STANDARD) fail(Sense.INVALID_FIELD_IN_CDB);
  const disc = core.media();
  const { discStatus, lastSession } = discStatusOf(disc);
  const last = disc.lastSession;
  const inLast = disc.tracks.filter((t) => t.session === last?.number);
  // Track numbers as READ TOC gives them (a SAO/raw session holds the tracks of its Q).
  const views = await cdTrackViews(core);
  const viewsInLast = views?.filter((v) => v.session === last?.number) ?? [];
  const cd = disc.spec.family === 'cd';
  const open = !disc.finalized && !disc.random;
  const firstInLast = inLast[0] ?? disc.lastTrack;
  const data = encodeReadDiscInformationData(
    {
      erasable: disc.spec.erasable,
      stateOfLastSession: lastSession,
      discStatus,
      numberOfFirstTrackOnDisc: views?.[0]?.number ?? 1,
      numberOfSessions: Math.max(1, disc.sessions.length),
      firstTrackNumberInLastSession: viewsInLast[0]?.number ?? firstInLast?.number ?? 1,
      lastTrackNumberInLastSession:
        viewsInLast[viewsInLast.length - 1]?.number ??
        (inLast[inLast.length - 1] ?? disc.lastTrack)?.number ??
        1,
      didV: false,
      dbcV: false,
      uru: false,
      dacV: false,
      dbit: false,
      bgFormatStatus: bgFormatStatusOf(disc),
      discType: 0,
      discIdentification: 0,
      lastSessionLeadInStartAddress: open
        ? cd
          ? disc.lastSessionLeadIn()
          : (firstInLast?.start ?? 0)
        : null,
      lastPossibleLeadOutStartAddress: open ? disc.capacity : null,
      discBarCode: new Uint8Array(8),
      discApplicationCode: 0,
      numberOfOpcTables: 0,
      opcTableEntries: [],
    },
    { msf: cd },
  );
  return upTo(data, cdb.allocationLength);
};

/** ROM Compatibility LBA a DVD+R reports (TSST SH-224DB): recorded up to it, ROM drives read it. */
const DVD_PLUS_R_READ_COMPATIBILITY_LBA = 270336;

/** The model's track READ TRACK INFORMATION addresses. */
function modelTrackOf(disc: DiscLayout, type: number, address: number): Track | undefined {
  switch (type) {
    case ReadTrackAddressType.LBA:
      return disc.trackAt(address);
    case ReadTrackAddressType.TRACK:
      return address === INVISIBLE_TRACK_NUMBER
        ? disc.tracks.find((t) => !t.closed && !t.reserved && !disc.random)
        : disc.track(address);
    case ReadTrackAddressType.SESSION:
      return disc.tracks.find((t) => t.session === address);
    default:
      return undefined;
  }
}

/** The view READ TRACK INFORMATION addresses on a CD answered from its Q (cd-tracks.ts). */
function viewOf(
  views: readonly CdTrackView[],
  type: number,
  address: number,
  invisible: Track | undefined,
): CdTrackView | undefined {
  switch (type) {
    case ReadTrackAddressType.LBA:
      return viewAt(views, address);
    case ReadTrackAddressType.TRACK:
      return address === INVISIBLE_TRACK_NUMBER
        ? views.find((v) => v.model === invisible && v.fromQ === undefined)
        : views.find((v) => v.number === address);
    case ReadTrackAddressType.SESSION:
      return views.find((v) => v.session === address);
    default:
      return undefined;
  }
}

/** READ TRACK INFORMATION of a track found in the Q: recorded, fixed, nothing writable. */
function recordedTrackData(v: CdTrackView): Uint8Array {
  const q = v.fromQ as NonNullable<CdTrackView['fromQ']>;
  return encodeReadTrackInformationData({
    logicalTrackNumber: v.number,
    sessionNumber: v.session,
    ljrs: 0,
    damage: v.model.damaged,
    copy: false,
    trackMode: q.control,
    rt: false,
    blank: false,
    packetInc: false,
    fp: false,
    // Data Mode: the header's mode byte of a data track; 1 for audio, as TAO audio reports.
    dataMode: q.dataMode ?? 1,
    lraV: true,
    nwaV: false,
    logicalTrackStartAddress: v.start,
    nextWritableAddress: 0,
    freeBlocks: 0,
    fixedPacketSizeBlockingFactor: 0,
    logicalTrackSize: v.size,
    lastRecordedAddress: v.start + v.size - 1,
    readCompatibilityLba: 0,
    nextLayerJumpAddress: 0,
    lastLayerJumpAddress: 0,
  });
}

export const readTrackInformation: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeReadTrackInformationCdb);
  const disc = core.media();
  const views = await cdTrackViews(core);
  let view: CdTrackView | undefined;
  if (views !== undefined) {
    const invisible = disc.tracks.find((t) => !t.closed && !t.reserved);
    view = viewOf(views, cdb.addressNumberType, cdb.address, invisible);
    // FFh while an SAO/raw stream is still being written: the model's open track answers.
    const streaming =
      cdb.addressNumberType === ReadTrackAddressType.TRACK &&
      cdb.address === INVISIBLE_TRACK_NUMBER;
    if (view === undefined && !streaming)
      fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'no such track');
    if (view?.fromQ !== undefined) return upTo(recordedTrackData(view), cdb.allocationLength);
  }
  const track = view?.model ?? modelTrackOf(disc, cdb.addressNumberType, cdb.address);
  if (track === undefined) fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'no such track');
  const recorded = disc.recorded(track);
  // An unformatted DVD+RW (or BD-RE) has no writable address until FORMAT UNIT.
  const unformatted = disc.spec.recording === 'random' && !disc.formatted;
  const open = !track.closed && !disc.finalized && !disc.random && !unformatted;
  const free = disc.freeBlocks(track);
  const nwaV = open && free > 0 && !track.damaged;
  const lraV = recorded > 0 || (track.closed && (track.size ?? 0) > 0);
  const lastRecorded =
    track.closed && track.size !== undefined ? track.start + track.size - 1 : track.nwa - 1;
  const plusR = disc.spec.id === 'dvd+r' || disc.spec.id === 'dvd+r-dl';
  const incremental =
    (disc.spec.id === 'dvd-r' || disc.spec.id === 'dvd-rw') && core.writeParameters.writeType === 0;
  const data = encodeReadTrackInformationData({
    logicalTrackNumber: view?.number ?? track.number,
    sessionNumber: track.session,
    ljrs: 0,
    damage: track.damaged,
    copy: false,
    trackMode: track.trackMode,
    rt: track.reserved,
    blank: recorded === 0 && !track.closed,
    // BD-R SRM tracks are incremental whatever the Write Parameters say ("invisible incremental").
    packetInc: (incremental || disc.spec.id === 'bd-r') && !track.reserved,
    fp: false,
    dataMode: recorded === 0 && !track.closed ? 15 : track.dataMode,
    lraV,
    nwaV,
    logicalTrackStartAddress: track.start,
    nextWritableAddress: nwaV ? track.nwa : 0,
    freeBlocks: free,
    fixedPacketSizeBlockingFactor: disc.spec.allocationUnit === 1 ? 0 : disc.spec.allocationUnit,
    logicalTrackSize: disc.trackSize(track),
    lastRecordedAddress: lraV ? lastRecorded : 0,
    readCompatibilityLba: plusR ? DVD_PLUS_R_READ_COMPATIBILITY_LBA : 0,
    nextLayerJumpAddress: 0,
    lastLayerJumpAddress: 0,
  });
  return upTo(data, cdb.allocationLength);
};

export const reserveTrack: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeReserveTrackCdb);
  const disc = core.media();
  if (cdb.rmz) fail(Sense.INVALID_FIELD_IN_CDB);
  checkDaoReservation(disc, core.writeContext());
  const start = disc.invisibleTrack?.start ?? 0;
  disc.reserve(cdb.arsv ? cdb.reservationLba - start : cdb.reservationSize);
  await core.persist();
};

export const closeTrackSession: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeCloseTrackSessionCdb);
  const disc = core.media();
  await x.wait(core.buffer.drainTime());
  core.buffer.stop();
  if (disc.spec.id === 'dvd+rw') closeDvdPlusRw(disc, cdb.closeFunction);
  // The host names the track as READ TRACK INFORMATION numbered it.
  const view = (await cdTrackViews(core))?.find((v) => v.number === cdb.logicalTrackNumber);
  disc.close(
    cdb.closeFunction,
    view?.model.number ?? cdb.logicalTrackNumber,
    core.writeContext(),
    core.writeParameters.multiSession === MultiSession.NEXT_SESSION_ALLOWED,
  );
  await core.flush();
  // IMMED: GOOD now, NOT READY (02/04/07) with progress while the drive closes (operation.ts).
  const ms = cdb.closeFunction === 1 ? OPERATION_MS.closeTrack : OPERATION_MS.closeSession;
  if (cdb.immed) core.operation.begin('other', ms);
};
