// The layout of a virtual disc: its sessions, tracks, formatting and host-written structures, the
// questions every reader asks of them (status, which track holds an LBA, what is recorded), and
// what the sidecar keeps of them (DiscJson). No recording rules: the Disc (disc.ts) decides what
// may change, this module only holds and describes the result.

import type { MediaId, MediaSpec } from './media.js';

export interface Track {
  readonly number: number;
  readonly session: number;
  /** First user-data LBA. */
  start: number;
  /** Next writable address. Below `start` only while an SAO/raw session writes its pre-gap. */
  nwa: number;
  /** First LBA written for this track (below `start` when SAO/raw wrote pre-gap or lead-in). */
  first: number;
  /** Fixed size in blocks once reserved or closed; undefined for the invisible track. */
  size: number | undefined;
  reserved: boolean;
  closed: boolean;
  damaged: boolean;
  /** CD track mode (control nibble): 4 data, 0 audio. */
  trackMode: number;
  /** Data mode: 1 (Mode 1 / DVD / BD), 2 (Mode 2), 15 (unknown / blank). */
  dataMode: number;
  /**
   * CD Track-at-Once: the MCN and ISRC page 05h carried (MCVAL/TCVAL set) when the track's first
   * block was written; the drive writes them into the track's Q (cd-map.ts). Absent when none.
   */
  mcn?: string;
  isrc?: string;
}

export interface Session {
  readonly number: number;
  closed: boolean;
}

export type DiscStatus = 'blank' | 'incomplete' | 'appendable' | 'complete';
export type SessionState = 'empty' | 'incomplete' | 'damaged' | 'complete';

/** Everything a write needs from the Write Parameters page. */
export interface WriteContext {
  /** 0 packet/incremental, 1 TAO, 2 SAO/DAO, 3 raw. */
  readonly writeType: number;
  readonly testWrite: boolean;
  readonly trackMode: number;
  readonly dataMode: number;
  /** CD: page 05h's MCN and ISRC when MCVAL/TCVAL are set (Q mode 2 and 3 of what is written). */
  readonly mediaCatalogNumber?: string;
  readonly isrc?: string;
}

/** What survives in the sidecar: the layout, never the block data. */
export interface DiscJson {
  readonly version: 1;
  readonly media: MediaId;
  readonly profile: number;
  readonly capacity: number;
  readonly formatted: boolean;
  readonly finalized: boolean;
  readonly tracks: readonly Track[];
  readonly sessions: readonly Session[];
  /** Disc structures the host sent (SEND DISC STRUCTURE); absent in older sidecars. */
  readonly structures?: DiscStructuresJson;
  /** DVD-RW after a minimal BLANK (DAO only); written only when true, absent = false. */
  readonly minimallyBlanked?: boolean;
  /** DVD+RW whose background format has not completed; absent = complete (or unformatted). */
  readonly bgFormat?: 'running' | 'stopped';
  /** BD-R formatted SRM+POW (pseudo-overwrite); written only when true, absent = false. */
  readonly pow?: boolean;
  /**
   * The disc's unformatted capacity where `capacity` is below it without random formatting (a
   * BD-R with spare areas, a DVD+R DL whose layer boundary moved); absent = `capacity` or the
   * media's standard one.
   */
  readonly rawCapacity?: number;
}

/** Host-written disc structures, as the sidecar keeps them (byte fields in base64). */
export interface DiscStructuresJson {
  /** Format 04h disc manufacturing information (DVD-R/RW user specific data). */
  readonly dmi?: string;
  /** Format 0Fh timestamp, `YYYYMMDDhhmmss`. */
  readonly timestamp?: string;
  /** Format 30h disc control blocks, keyed by content descriptor. */
  readonly dcbs?: readonly { readonly contentDescriptor: number; readonly data: string }[];
}

/** Disc structures a host may write with SEND DISC STRUCTURE, as the disc holds them. */
export interface DiscStructures {
  /** 2048 bytes, or undefined while never written (reads as zeros). */
  dmi: Uint8Array | undefined;
  /** `YYYYMMDDhhmmss` of the last timestamp sent, or undefined. */
  timestamp: string | undefined;
  /** Disc control blocks by content descriptor, in the order written. */
  readonly dcbs: Map<number, Uint8Array>;
}

export function emptyStructures(): DiscStructures {
  return { dmi: undefined, timestamp: undefined, dcbs: new Map() };
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** Most tracks a disc holds (CD's limit, applied to every media). */
export const MAX_TRACKS = 99;

/** What a disc holds and how it reads; the recording rules that change it are Disc's (disc.ts). */
export class DiscLayout {
  readonly spec: MediaSpec;
  profile: number;
  capacity: number;
  /** Random-writable media: formatted (DVD-RAM always; DVD-RW restricted overwrite). */
  formatted: boolean;
  finalized: boolean;
  tracks: Track[];
  sessions: Session[];
  /** What SEND DISC STRUCTURE recorded (emptied by BLANK and FORMAT UNIT). */
  structures: DiscStructures = emptyStructures();
  /** Standard (unformatted) capacity, as overridden by `capacity=`. */
  readonly rawCapacity: number;
  /**
   * DVD-RW after a minimal BLANK: Incremental Streaming is not current and only DAO records
   * (cleared by a full BLANK or FORMAT UNIT).
   */
  minimallyBlanked = false;
  /** BD-R formatted SRM+POW: recorded blocks may be overwritten (pow.ts). */
  pow = false;
  /**
   * DVD+RW background format (background-format.ts): `running` after FORMAT UNIT 26h until
   * stopped, `stopped` (incomplete, restartable), `complete`; `none` while unformatted.
   */
  bgFormat: 'none' | 'running' | 'stopped' | 'complete' = 'none';

  protected constructor(spec: MediaSpec, rawCapacity: number) {
    this.spec = spec;
    this.rawCapacity = rawCapacity;
    this.profile = spec.profile;
    this.capacity = rawCapacity;
    this.formatted = false;
    this.finalized = false;
    this.tracks = [];
    this.sessions = [];
  }

  /** Takes the layout of a sidecar (Disc.fromJSON). */
  protected restore(json: DiscJson): void {
    this.profile = json.profile;
    this.capacity = json.capacity;
    this.formatted = json.formatted;
    this.finalized = json.finalized;
    // JSON drops an undefined size (the invisible track); restore the key.
    this.tracks = json.tracks.map((t) => ({ ...t, size: t.size ?? undefined }));
    this.sessions = json.sessions.map((s) => ({ ...s }));
    this.minimallyBlanked = json.minimallyBlanked === true;
    this.pow = json.pow === true;
    // Reopening gives the same disc: a format running when the image was saved runs on.
    this.bgFormat = !json.formatted ? 'none' : (json.bgFormat ?? 'complete');
    const st = json.structures;
    if (st !== undefined) {
      this.structures = {
        dmi: st.dmi === undefined ? undefined : unb64(st.dmi),
        timestamp: st.timestamp,
        dcbs: new Map((st.dcbs ?? []).map((d) => [d.contentDescriptor, unb64(d.data)])),
      };
    }
  }

  toJSON(): DiscJson {
    return {
      version: 1,
      media: this.spec.id,
      profile: this.profile,
      capacity: this.capacity,
      formatted: this.formatted,
      finalized: this.finalized,
      tracks: this.tracks.map((t) => ({ ...t })),
      sessions: this.sessions.map((s) => ({ ...s })),
      structures: {
        ...(this.structures.dmi !== undefined ? { dmi: b64(this.structures.dmi) } : {}),
        ...(this.structures.timestamp !== undefined
          ? { timestamp: this.structures.timestamp }
          : {}),
        dcbs: [...this.structures.dcbs].map(([contentDescriptor, data]) => ({
          contentDescriptor,
          data: b64(data),
        })),
      },
      // Only when set, so the sidecar of every other disc keeps its old text.
      ...(this.minimallyBlanked ? { minimallyBlanked: true } : {}),
      ...(this.pow ? { pow: true } : {}),
      ...(this.bgFormat === 'running' || this.bgFormat === 'stopped'
        ? { bgFormat: this.bgFormat }
        : {}),
      ...(!this.formatted && this.capacity !== this.rawCapacity
        ? { rawCapacity: this.rawCapacity }
        : {}),
    };
  }

  /** A new user capacity of a blank sequential disc (DVD+R DL layer boundary). */
  setCapacity(blocks: number): void {
    this.capacity = blocks;
  }

  /** Random-writable now: formatted DVD+RW, BD-RE, DVD-RAM, DVD-RW restricted overwrite. */
  get random(): boolean {
    return this.formatted;
  }

  get lastTrack(): Track | undefined {
    return this.tracks[this.tracks.length - 1];
  }

  /** The open unreserved track at the end of a sequential disc, where new data goes. */
  get invisibleTrack(): Track | undefined {
    const t = this.lastTrack;
    return t !== undefined && !t.closed && !t.reserved && !this.random ? t : undefined;
  }

  get lastSession(): Session | undefined {
    return this.sessions[this.sessions.length - 1];
  }

  track(number: number): Track | undefined {
    return this.tracks.find((t) => t.number === number);
  }

  /** The track holding `lba` (its start ≤ lba < its end, or open-ended for the invisible track). */
  trackAt(lba: number): Track | undefined {
    return this.tracks.find(
      (t) => lba >= t.first && (t.size === undefined || lba < t.start + t.size),
    );
  }

  /** Blocks recorded in a track (from its start). */
  recorded(t: Track): number {
    return Math.max(0, t.nwa - t.start);
  }

  /** Track size as READ TRACK INFORMATION reports it (invisible track: the free space). */
  trackSize(t: Track): number {
    return t.size ?? Math.max(0, this.capacity - t.start);
  }

  freeBlocks(t: Track): number {
    if (t.closed || this.finalized) return 0;
    return Math.max(0, this.trackSize(t) - this.recorded(t));
  }

  status(): { disc: DiscStatus; lastSession: SessionState } {
    if (this.random) return { disc: 'complete', lastSession: 'complete' };
    if (this.finalized) return { disc: 'complete', lastSession: 'complete' };
    const last = this.lastSession;
    const inLast = this.tracks.filter((t) => t.session === last?.number);
    const used = inLast.some((t) => t.reserved || t.closed || t.nwa !== t.start);
    const damaged = inLast.some((t) => t.damaged);
    if (this.sessions.length <= 1 && !used) {
      return { disc: 'blank', lastSession: 'empty' };
    }
    if (!used) return { disc: 'appendable', lastSession: 'empty' };
    return { disc: 'incomplete', lastSession: damaged ? 'damaged' : 'incomplete' };
  }

  /** READ CAPACITY: the last readable LBA (0 on a blank disc). */
  lastReadableLba(): number {
    if (this.random) return this.capacity - 1;
    let last = -1;
    for (const t of this.tracks) {
      const end = t.closed && t.size !== undefined ? t.start + t.size : t.nwa;
      if (end - 1 > last && this.recorded(t) > 0) last = end - 1;
    }
    return Math.max(0, last);
  }

  /** Start of the lead-in of the last session (CD), for READ DISC INFORMATION / ATIP. */
  lastSessionLeadIn(): number {
    const s = this.lastSession;
    if (this.spec.family !== 'cd' || s === undefined) return 0;
    if (s.number === 1) return this.spec.leadInStart;
    const first = this.tracks.find((t) => t.session === s.number);
    return (first?.start ?? 0) - 150 - 4500;
  }

  /**
   * A track's first write sets its mode from the Write Parameters; a CD track written TAO also
   * keeps the page's MCN and ISRC, which the drive writes into its Q (SAO and raw sectors carry
   * their own).
   */
  protected takeTrackMode(track: Track, ctx: WriteContext): void {
    track.trackMode = ctx.trackMode;
    track.dataMode = ctx.dataMode;
    delete track.mcn;
    delete track.isrc;
    if (this.spec.family !== 'cd' || ctx.writeType !== 1) return;
    if (ctx.mediaCatalogNumber !== undefined) track.mcn = ctx.mediaCatalogNumber;
    if (ctx.isrc !== undefined) track.isrc = ctx.isrc;
  }

  /** Opens a new, empty track at `start` in `session`. */
  protected appendTrack(session: number, start: number): void {
    const number = (this.lastTrack?.number ?? 0) + 1;
    this.tracks.push({
      number,
      session,
      start,
      nwa: start,
      first: start,
      size: undefined,
      reserved: false,
      closed: false,
      damaged: false,
      trackMode: this.spec.family === 'cd' ? 4 : 7,
      dataMode: this.spec.family === 'cd' ? 15 : 1,
    });
  }
}
