// The virtual drive's disc model: a pure state machine of sessions, tracks, next writable
// addresses and formatting, following the recording rules of MMC-6 §4 (CD, DVD±R/RW, DVD-RAM,
// BD) as a real recorder enforces them. No I/O: block data lives in the store (image/); this
// module decides which addresses may be written or read and how the layout (disc-layout.ts)
// changes.

import { fail, Sense } from './check.js';
import {
  DiscLayout,
  emptyStructures,
  MAX_TRACKS,
  type DiscJson,
  type Track,
  type WriteContext,
} from './disc-layout.js';
import { formatOffers, selectOffer, type FormatOffer } from './formats.js';
import { checkRecorded, isPseudoOverwrite } from './recorded-blocks.js';
import { MEDIA, Profile, type MediaId, type MediaSpec } from './media.js';

function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}

export class Disc extends DiscLayout {
  /** Test Write: per-track simulated NWA; nothing is recorded. */
  readonly #simulated = new Map<number, number>();

  private constructor(spec: MediaSpec, rawCapacity: number) {
    super(spec, rawCapacity);
  }

  /** A fresh disc as it comes out of the box. */
  static fresh(id: MediaId, options: { capacity?: number; formatted?: boolean } = {}): Disc {
    const spec = MEDIA[id];
    const disc = new Disc(spec, options.capacity ?? spec.capacity);
    disc.#resetSequential();
    const formattable = spec.formatTypes.length > 0 && spec.id !== 'bd-r';
    if (id === 'dvd-ram' || (options.formatted === true && formattable)) {
      disc.#applyFormat(spec.formatTypes[0] ?? 0, 0);
    }
    return disc;
  }

  static fromJSON(json: DiscJson, capacityOverride?: number): Disc {
    const spec = MEDIA[json.media];
    if (spec === undefined) throw new Error(`unknown media ${String(json.media)}`);
    const disc = new Disc(spec, capacityOverride ?? json.rawCapacity ?? spec.capacity);
    disc.restore(json);
    return disc;
  }

  // ---- writing ------------------------------------------------------------------------------

  /**
   * Checks a WRITE of `blocks` blocks at `lba` against the recording rules; returns the track it
   * lands in (undefined on random-writable media). Throws CheckCondition with the drive's sense.
   */
  checkWrite(lba: number, blocks: number, ctx: WriteContext): Track | undefined {
    const spec = this.spec;
    if (spec.recording === 'random' && !this.formatted) {
      if (spec.id === 'dvd-ram') fail(Sense.MEDIUM_NOT_FORMATTED, lba);
      fail(Sense.MEDIUM_NOT_FORMATTED, lba, `${spec.name} must be formatted before writing`);
    }
    if (this.random) {
      if (lba < 0 || lba + blocks > this.capacity) fail(Sense.LBA_OUT_OF_RANGE, lba);
      if (
        this.profile === Profile.DVD_RW_RESTRICTED_OVERWRITE &&
        (lba % 16 !== 0 || blocks % 16 !== 0)
      ) {
        // Restricted overwrite records whole 32 KiB ECC blocks only.
        fail(Sense.INVALID_ADDRESS_FOR_WRITE, lba, 'restricted overwrite needs 16-block units');
      }
      return undefined;
    }
    if (this.finalized) fail(Sense.CANNOT_WRITE_INCOMPATIBLE_FORMAT, lba, 'the disc is closed');
    // SRM+POW: a write over recorded blocks is remapped by the drive; no NWA moves.
    if (this.pow && !ctx.testWrite && isPseudoOverwrite(this, lba, blocks)) return undefined;
    const nwaOfTrack = (t: Track) =>
      ctx.testWrite ? (this.#simulated.get(t.number) ?? t.nwa) : t.nwa;
    const nwaOf = nwaOfTrack;
    const rawMode = spec.family === 'cd' && ctx.writeType === 3;
    // A raw CD session ends with a host-written lead-out beyond the last user block.
    const limit = this.capacity + (rawMode ? 6750 : 0);
    if (lba >= limit || lba + blocks > limit) fail(Sense.LBA_OUT_OF_RANGE, lba);
    // A reserved track that is full has no NWA left; its end is the next track's start.
    const open = this.tracks.filter(
      (t) => !t.closed && (t.size === undefined || nwaOfTrack(t) < t.start + t.size),
    );
    let track = open.find((t) => nwaOf(t) === lba);
    if (track === undefined && spec.family === 'cd' && (ctx.writeType === 2 || rawMode)) {
      // SAO / raw: the session's first write may start in the pre-gap or the lead-in.
      const t = this.invisibleTrack;
      if (t !== undefined && nwaOf(t) === t.start && t.first === t.start) {
        const s = this.tracks.filter((x) => x.session === t.session);
        const lowest = rawMode
          ? t.session === 1
            ? spec.leadInStart
            : t.start - 150 - 4500
          : t.start - 150;
        if (s.length === 1 && lba >= lowest && lba < t.start) track = t;
      }
    }
    if (track === undefined) {
      if (lba < 0 && spec.family === 'cd' && ctx.writeType === 1) {
        fail(Sense.INVALID_ADDRESS_FOR_WRITE, lba, 'TAO cannot write below LBA 0');
      }
      fail(Sense.INVALID_ADDRESS_FOR_WRITE, lba, 'not the next writable address of an open track');
    }
    if (track.damaged) fail(Sense.INVALID_ADDRESS_FOR_WRITE, lba, 'the track is damaged');
    if (track.size !== undefined && lba + blocks > track.start + track.size) {
      fail(Sense.INVALID_ADDRESS_FOR_WRITE, lba, 'beyond the end of the reserved track');
    }
    if (this.minimallyBlanked && ctx.writeType !== 2) {
      fail(Sense.ILLEGAL_MODE_FOR_THIS_TRACK, lba, 'minimally blanked: only DAO records');
    }
    if ((spec.id === 'dvd-r' || spec.id === 'dvd-rw') && ctx.writeType === 2 && !track.reserved) {
      // DVD-R DAO records one reserved track; without RESERVE TRACK there is nothing to write.
      fail(Sense.COMMAND_SEQUENCE_ERROR, lba, 'DAO needs RESERVE TRACK first');
    }
    return track;
  }

  /** Records a checked write: moves the track's NWA (or the simulated one under Test Write). */
  commitWrite(track: Track | undefined, lba: number, blocks: number, ctx: WriteContext): void {
    if (track === undefined || blocks === 0) return;
    if (ctx.testWrite) {
      this.#simulated.set(track.number, lba + blocks);
      return;
    }
    if (track.nwa === track.start && track.first === track.start && lba < track.start) {
      track.first = lba;
    }
    if (track.nwa === track.start && lba <= track.start) this.takeTrackMode(track, ctx);
    track.nwa = lba + blocks;
  }

  /** Loss of streaming without BUFE leaves the track damaged (MMC-6 4.3.6.5). */
  damage(track: Track): void {
    track.damaged = true;
  }

  /** Test Write changed or the track was closed in simulation: forget simulated progress. */
  clearSimulation(): void {
    this.#simulated.clear();
  }

  // ---- reading ------------------------------------------------------------------------------

  /** Throws unless every block of [lba, lba+blocks) holds recorded (or formatted) data. */
  checkRead(lba: number, blocks: number): void {
    checkRecorded(this, lba, blocks);
  }

  // ---- RESERVE TRACK / CLOSE TRACK SESSION --------------------------------------------------

  /** RESERVE TRACK of `size` blocks (or up to `endLba` with ARSV). Returns the reserved track. */
  reserve(size: number): Track {
    if (!this.spec.canReserve || this.random) fail(Sense.INVALID_COMMAND_OPERATION_CODE);
    const t = this.invisibleTrack;
    if (this.finalized || t === undefined)
      fail(Sense.COMMAND_SEQUENCE_ERROR, undefined, 'no open track');
    if (t.nwa !== t.start)
      fail(Sense.COMMAND_SEQUENCE_ERROR, undefined, 'the invisible track is not empty');
    if (size <= 0) fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'reservation size 0');
    const unit = this.spec.allocationUnit;
    const blocks = roundUp(size, unit);
    if (t.start + blocks > this.capacity)
      fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'reservation beyond capacity');
    if (this.tracks.length >= MAX_TRACKS && this.spec.family === 'cd') {
      fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'track limit');
    }
    t.size = blocks;
    t.reserved = true;
    this.appendTrack(t.session, t.start + blocks + this.spec.trackGap);
    return t;
  }

  /**
   * CLOSE TRACK/SESSION. `closeFunction` 1 closes a track, 2 closes the session, the media's
   * finalize functions finalize. `nextSessionAllowed` is the Write Parameters Multi-session
   * field ≠ 00b (CD, DVD-R): closing a session without it finalizes the disc. `leadOutStart`:
   * where a host-written lead-out begins (raw CD), the end of the session's program area.
   */
  close(
    closeFunction: number,
    trackNumber: number,
    ctx: WriteContext,
    nextSessionAllowed: boolean,
    leadOutStart?: number,
  ): void {
    if (this.random) {
      // DVD+RW / BD-RE / DVD-RAM: close track and close session (stop background format) are accepted.
      if (closeFunction === 0 || closeFunction === 1 || closeFunction === 2) return;
      fail(Sense.INVALID_FIELD_IN_CDB);
    }
    if (this.spec.recording === 'random') fail(Sense.MEDIUM_NOT_FORMATTED);
    if (ctx.testWrite) {
      if (
        closeFunction < 1 ||
        (closeFunction > 2 && !this.spec.finalizeFunctions.includes(closeFunction))
      ) {
        fail(Sense.INVALID_FIELD_IN_CDB);
      }
      this.clearSimulation();
      return;
    }
    if (closeFunction === 1) {
      this.#closeTrack(trackNumber);
      return;
    }
    const finalize = this.spec.finalizeFunctions.includes(closeFunction);
    if (closeFunction !== 2 && !finalize)
      fail(Sense.INVALID_FIELD_IN_CDB, undefined, `close function ${closeFunction}`);
    if (this.finalized) fail(Sense.COMMAND_SEQUENCE_ERROR, undefined, 'the disc is closed');
    const { disc } = this.status();
    if (disc === 'blank')
      fail(Sense.COMMAND_SEQUENCE_ERROR, undefined, 'nothing to close on a blank disc');
    this.#closeSession(
      finalize || (this.spec.finalizeFunctions.length === 0 && !nextSessionAllowed),
      leadOutStart,
    );
  }

  #closeTrack(trackNumber: number): void {
    const t = this.track(trackNumber);
    if (t === undefined || t.closed)
      fail(Sense.INVALID_FIELD_IN_CDB, undefined, `track ${trackNumber} is not open`);
    if (this.finalized) fail(Sense.COMMAND_SEQUENCE_ERROR);
    if (t.reserved) {
      // The drive pads the unrecorded rest of a reserved track.
      t.closed = true;
      return;
    }
    if (t.nwa <= t.start)
      fail(Sense.COMMAND_SEQUENCE_ERROR, undefined, 'the invisible track is empty');
    t.size = roundUp(this.recorded(t), this.spec.allocationUnit);
    t.closed = true;
    const next = t.start + t.size + this.spec.trackGap;
    if (next < this.capacity && this.tracks.length < MAX_TRACKS) this.appendTrack(t.session, next);
  }

  #closeSession(finalize: boolean, leadOutStart?: number): void {
    const session = this.lastSession;
    if (session === undefined) fail(Sense.COMMAND_SEQUENCE_ERROR);
    let end = 0;
    /** Where the session's empty invisible track started: it is reopened there. */
    let emptyStart: number | undefined;
    // Close every open track of the session; an empty invisible track simply goes away.
    this.tracks = this.tracks.filter((t) => {
      if (t.session !== session.number || t.closed) return true;
      if (!t.reserved && t.nwa <= t.start) {
        emptyStart = t.start;
        return false;
      }
      if (!t.reserved) t.size = roundUp(this.recorded(t), this.spec.allocationUnit);
      t.closed = true;
      return true;
    });
    for (const t of this.tracks) end = Math.max(end, t.start + (t.size ?? 0));
    // The session overhead counts the lead-out: one the host wrote is not counted twice.
    if (leadOutStart !== undefined) end = Math.min(end, leadOutStart);
    const emptySession = !this.tracks.some((t) => t.session === session.number);
    if (emptySession) {
      // Finalizing an appendable disc: the empty session disappears.
      this.sessions.pop();
    } else {
      session.closed = true;
    }
    // An empty session closed again stays where the previous close put it: recomputing from the
    // last track's end would take this session's overhead instead of the one before it.
    const nextStart =
      emptySession && emptyStart !== undefined
        ? emptyStart
        : roundUp(end + this.spec.sessionOverhead(session.number), this.spec.allocationUnit);
    if (finalize || nextStart >= this.capacity || this.tracks.length >= MAX_TRACKS) {
      this.finalized = true;
      return;
    }
    if (emptySession) {
      // Nothing changed but the intent to finalize was absent: reopen the empty session.
      this.sessions.push({ number: session.number, closed: false });
      this.appendTrack(session.number, nextStart);
      return;
    }
    this.sessions.push({ number: session.number + 1, closed: false });
    this.appendTrack(session.number + 1, nextStart);
  }

  /** Back to a blank sequential disc. */
  #resetSequential(): void {
    this.finalized = false;
    this.formatted = false;
    this.pow = false;
    this.profile = this.spec.profile;
    this.capacity = this.rawCapacity;
    this.tracks = [];
    this.sessions = [{ number: 1, closed: false }];
    this.#simulated.clear();
    this.structures = emptyStructures();
    this.bgFormat = 'none';
    this.appendTrack(1, 0);
  }

  // ---- BLANK / FORMAT UNIT ------------------------------------------------------------------

  /** BLANK: 0 full, 1 minimal (blank the PMA/TOC). Other blanking types are not offered. */
  blank(blankingType: number): void {
    if (!this.spec.canBlank) {
      // DVD+RW answers "cannot write, incompatible format" (NEC ND-3540A); other media as MMC.
      const sense =
        this.spec.id === 'dvd+rw'
          ? Sense.CANNOT_WRITE_INCOMPATIBLE_FORMAT
          : Sense.INCOMPATIBLE_MEDIUM_INSTALLED;
      fail(sense, undefined, `${this.spec.name} cannot be blanked`);
    }
    if (blankingType !== 0 && blankingType !== 1)
      fail(Sense.INVALID_FIELD_IN_CDB, undefined, `blanking type ${blankingType}`);
    this.#resetSequential();
    // A minimally blanked DVD-RW keeps its old lead-in: only DAO works until a full blank.
    this.minimallyBlanked = this.spec.id === 'dvd-rw' && blankingType === 1;
  }

  /**
   * FORMAT UNIT with a format descriptor; `blocks` 0 (or 0xFFFFFFFF) = the default size. A BD-R
   * formatted 32h with sub-type 00b (SRM+POW) takes pseudo-overwrite; 01b (SRM-POW) does not.
   */
  format(formatType: number, blocks: number, formatSubType = 0): void {
    if (this.spec.formatTypes.length === 0) fail(Sense.CANNOT_FORMAT_INCOMPATIBLE_MEDIUM);
    if (this.spec.id === 'bd-r' && this.status().disc !== 'blank') {
      fail(Sense.COMMAND_SEQUENCE_ERROR, undefined, 'a BD-R is formatted only while blank');
    }
    if (!this.spec.formatTypes.includes(formatType)) {
      fail(
        Sense.INVALID_FIELD_IN_PARAMETER_LIST,
        undefined,
        `format type 0x${formatType.toString(16)}`,
      );
    }
    this.#applyFormat(formatType, blocks);
    this.pow = this.spec.id === 'bd-r' && formatType === 0x32 && formatSubType === 0;
  }

  /** The formattable capacity descriptors READ FORMAT CAPACITIES lists now (formats.ts). */
  formattable(): FormatOffer[] {
    // A BD-R takes its format (spare areas, SRM) only while nothing is recorded.
    if (this.spec.id === 'bd-r' && this.status().disc !== 'blank') return [];
    return formatOffers(this.spec, this.rawCapacity);
  }

  /** A BD-R formatted with spare areas: sequential still, with the smaller user capacity. */
  get spareFormatted(): boolean {
    return this.spec.id === 'bd-r' && this.capacity < this.rawCapacity;
  }

  #applyFormat(formatType: number, blocks: number): void {
    this.minimallyBlanked = false;
    const offers = formatOffers(this.spec, this.rawCapacity);
    let capacity = selectOffer(offers, formatType, blocks)?.blocks ?? this.rawCapacity;
    const bd = this.spec.family === 'bd';
    if (bd && blocks !== 0 && blocks !== 0xffffffff && blocks !== capacity) {
      // BD spare areas come in any size: the Number of Blocks chooses the user capacity.
      const limit = this.spec.id === 'bd-r' ? this.rawCapacity - 1 : this.rawCapacity;
      if (blocks > limit) fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'too many blocks');
      capacity = blocks;
    }
    if (this.spec.id === 'bd-r') {
      // SRM with spare areas: still sequential (one invisible track), only smaller.
      this.#resetSequential();
      this.capacity = Math.max(1, capacity);
      return;
    }
    this.capacity = Math.max(1, capacity);
    this.formatted = true;
    this.bgFormat = 'complete';
    this.finalized = false;
    if (this.spec.id === 'dvd-rw') this.profile = Profile.DVD_RW_RESTRICTED_OVERWRITE;
    this.#simulated.clear();
    this.structures = emptyStructures();
    this.sessions = [{ number: 1, closed: true }];
    this.tracks = [
      {
        number: 1,
        session: 1,
        start: 0,
        nwa: this.capacity,
        first: 0,
        size: this.capacity,
        reserved: false,
        closed: true,
        damaged: false,
        trackMode: 7,
        dataMode: 1,
      },
    ];
  }
}
