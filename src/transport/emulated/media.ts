// The virtual drive's media catalogue: for every disc type its MMC profile, standard capacity,
// write speeds and the recording rules a real multi-format recorder applies to it (MMC-6 §4,
// Profile definitions §5.3). Pure data; the disc model (disc.ts) reads it.

/** The media names accepted in `virtual:<media>`. */
export const MEDIA_IDS = [
  'cd-r',
  'cd-rw',
  'dvd-r',
  'dvd-rw',
  'dvd+r',
  'dvd+r-dl',
  'dvd+rw',
  'dvd-ram',
  'bd-r',
  'bd-re',
] as const;

export type MediaId = (typeof MEDIA_IDS)[number];

/** MMC-6 Table 91 profile numbers (the ones the virtual drive reports). */
export const Profile = {
  NONE: 0x0000,
  CD_ROM: 0x0008,
  CD_R: 0x0009,
  CD_RW: 0x000a,
  DVD_ROM: 0x0010,
  DVD_R_SEQUENTIAL: 0x0011,
  DVD_RAM: 0x0012,
  DVD_RW_RESTRICTED_OVERWRITE: 0x0013,
  DVD_RW_SEQUENTIAL: 0x0014,
  DVD_PLUS_RW: 0x001a,
  DVD_PLUS_R: 0x001b,
  DVD_PLUS_R_DL: 0x002b,
  BD_ROM: 0x0040,
  BD_R_SRM: 0x0041,
  BD_RE: 0x0043,
} as const;

/** Every profile the virtual recorder can write or read, in the order GET CONFIGURATION lists them. */
export const DRIVE_PROFILES: readonly number[] = [
  Profile.BD_RE,
  Profile.BD_R_SRM,
  Profile.BD_ROM,
  Profile.DVD_PLUS_R_DL,
  Profile.DVD_PLUS_R,
  Profile.DVD_PLUS_RW,
  Profile.DVD_RW_SEQUENTIAL,
  Profile.DVD_RW_RESTRICTED_OVERWRITE,
  Profile.DVD_RAM,
  Profile.DVD_R_SEQUENTIAL,
  Profile.DVD_ROM,
  Profile.CD_RW,
  Profile.CD_R,
  Profile.CD_ROM,
];

export type MediaFamily = 'cd' | 'dvd' | 'bd';

export interface MediaSpec {
  readonly id: MediaId;
  /** `DVD+R`, as in the INQUIRY product string `VIRTUAL DVD+R`. */
  readonly name: string;
  readonly family: MediaFamily;
  /** Profile of a fresh disc (DVD-RW becomes restricted overwrite once formatted). */
  readonly profile: number;
  /** Recording of a fresh disc: sequential (tracks, NWA) or random (after FORMAT UNIT). */
  readonly recording: 'sequential' | 'random';
  readonly erasable: boolean;
  /** User blocks of a fresh (or unformatted) disc. */
  readonly capacity: number;
  /** User blocks once formatted (random-writable media). */
  readonly formattedCapacity: number;
  /** Write speeds offered, as multiples of 1x. */
  readonly speedsX: readonly number[];
  /** 1x in kB/s (1000 bytes) as MMC speed fields express it. */
  readonly oneXKBps: number;
  /** 1x in blocks per second (CD: 75 sectors/s whatever the sector size). */
  readonly oneXBlocksPerSecond: number;
  /** Track starts and reservations are rounded up to this many blocks (ECC block / cluster). */
  readonly allocationUnit: number;
  /** RESERVE TRACK accepted. */
  readonly canReserve: boolean;
  /** BLANK accepted (full and minimal). */
  readonly canBlank: boolean;
  /** FORMAT UNIT format types accepted. */
  readonly formatTypes: readonly number[];
  /** Write Parameters Test Write (simulation) supported. */
  readonly testWrite: boolean;
  /** Write Parameters BUFE governs underruns; without it the drive always links losslessly. */
  readonly bufeControlled: boolean;
  /** Write types of the Write Parameters page this media accepts (0 packet, 1 TAO, 2 SAO/DAO, 3 raw). */
  readonly writeTypes: readonly number[];
  /** CLOSE TRACK/SESSION close functions that finalize the disc. */
  readonly finalizeFunctions: readonly number[];
  /** Blocks consumed between the end of a closed session and the start of the next one. */
  readonly sessionOverhead: (sessionNumber: number) => number;
  /** Blocks between a closed track's end and the next track's start (CD TAO run-out + pre-gap). */
  readonly trackGap: number;
  /** First LBA of the lead-in of the first session (CD ATIP); 0 elsewhere. */
  readonly leadInStart: number;
}

const CD_1X_KBPS = 176;
const DVD_1X_KBPS = 1385;
const BD_1X_KBPS = 4495;
const DVD_1X_BPS = 1385000 / 2048;
const BD_1X_BPS = 4495500 / 2048;

/** CD: lead-out 6750 blocks after the first session, 2250 after later ones; lead-in 4500; pre-gap 150. */
const cdSessionOverhead = (n: number): number => (n === 1 ? 6750 : 2250) + 4500 + 150;
/**
 * DVD-R/-RW: border-out plus the next border-in. The first border is larger (one real capture:
 * 28,688 blocks); later ones 12,288 (reasoned, no record found). See docs/virtual-drive.md.
 */
const dvdMinusSessionOverhead = (n: number): number => (n === 1 ? 28688 : 0x3000);
/** DVD+R: session closure plus the next session's intro: 2,048 blocks on every recorded unit. */
const dvdPlusSessionOverhead = (): number => 0x800;
const bdSessionOverhead = (): number => 0;

const cd = {
  family: 'cd',
  recording: 'sequential',
  capacity: 359849,
  formattedCapacity: 359849,
  oneXKBps: CD_1X_KBPS,
  oneXBlocksPerSecond: 75,
  allocationUnit: 1,
  canReserve: true,
  formatTypes: [],
  testWrite: true,
  bufeControlled: true,
  writeTypes: [0, 1, 2, 3],
  finalizeFunctions: [],
  sessionOverhead: cdSessionOverhead,
  trackGap: 2 + 150,
  // ATIP lead-in start 97:26:66 of an 80-minute disc.
  leadInStart: -11634,
} as const;

const dvd = {
  family: 'dvd',
  oneXKBps: DVD_1X_KBPS,
  oneXBlocksPerSecond: DVD_1X_BPS,
  allocationUnit: 16,
  sessionOverhead: dvdMinusSessionOverhead,
  trackGap: 0,
  leadInStart: 0,
} as const;

const bd = {
  family: 'bd',
  oneXKBps: BD_1X_KBPS,
  oneXBlocksPerSecond: BD_1X_BPS,
  allocationUnit: 32,
  sessionOverhead: bdSessionOverhead,
  trackGap: 0,
  leadInStart: 0,
} as const;

export const MEDIA: Readonly<Record<MediaId, MediaSpec>> = {
  'cd-r': {
    ...cd,
    id: 'cd-r',
    name: 'CD-R',
    profile: Profile.CD_R,
    erasable: false,
    canBlank: false,
    speedsX: [4, 8, 16, 24, 32, 48],
  },
  'cd-rw': {
    ...cd,
    id: 'cd-rw',
    name: 'CD-RW',
    profile: Profile.CD_RW,
    erasable: true,
    canBlank: true,
    speedsX: [4, 10, 16, 24],
  },
  'dvd-r': {
    ...dvd,
    id: 'dvd-r',
    name: 'DVD-R',
    profile: Profile.DVD_R_SEQUENTIAL,
    recording: 'sequential',
    erasable: false,
    capacity: 2297888,
    formattedCapacity: 2297888,
    speedsX: [4, 8, 16],
    canReserve: true,
    canBlank: false,
    formatTypes: [],
    testWrite: true,
    bufeControlled: true,
    writeTypes: [0, 2],
    finalizeFunctions: [],
  },
  'dvd-rw': {
    ...dvd,
    id: 'dvd-rw',
    name: 'DVD-RW',
    profile: Profile.DVD_RW_SEQUENTIAL,
    recording: 'sequential',
    erasable: true,
    capacity: 2297888,
    formattedCapacity: 2297888,
    speedsX: [2, 4, 6],
    canReserve: true,
    canBlank: true,
    formatTypes: [0x00, 0x10, 0x15],
    testWrite: true,
    bufeControlled: true,
    writeTypes: [0, 2],
    finalizeFunctions: [],
  },
  'dvd+r': {
    ...dvd,
    id: 'dvd+r',
    name: 'DVD+R',
    profile: Profile.DVD_PLUS_R,
    recording: 'sequential',
    erasable: false,
    capacity: 2295104,
    formattedCapacity: 2295104,
    speedsX: [2.4, 4, 8, 16],
    canReserve: true,
    canBlank: false,
    formatTypes: [],
    testWrite: false,
    bufeControlled: false,
    writeTypes: [0, 1, 2],
    finalizeFunctions: [0b011, 0b101, 0b110],
    sessionOverhead: dvdPlusSessionOverhead,
  },
  'dvd+r-dl': {
    ...dvd,
    id: 'dvd+r-dl',
    name: 'DVD+R DL',
    profile: Profile.DVD_PLUS_R_DL,
    recording: 'sequential',
    erasable: false,
    capacity: 4173824,
    formattedCapacity: 4173824,
    speedsX: [2.4, 4, 8],
    canReserve: true,
    canBlank: false,
    formatTypes: [],
    testWrite: false,
    bufeControlled: false,
    writeTypes: [0, 1, 2],
    finalizeFunctions: [0b011, 0b101, 0b110],
    sessionOverhead: dvdPlusSessionOverhead,
  },
  'dvd+rw': {
    ...dvd,
    id: 'dvd+rw',
    name: 'DVD+RW',
    profile: Profile.DVD_PLUS_RW,
    recording: 'random',
    erasable: true,
    capacity: 2295104,
    formattedCapacity: 2295104,
    speedsX: [2.4, 4, 8],
    canReserve: false,
    canBlank: false,
    formatTypes: [0x26],
    testWrite: false,
    bufeControlled: false,
    writeTypes: [0, 1, 2],
    finalizeFunctions: [],
  },
  'dvd-ram': {
    ...dvd,
    id: 'dvd-ram',
    name: 'DVD-RAM',
    profile: Profile.DVD_RAM,
    recording: 'random',
    erasable: true,
    capacity: 2236704,
    formattedCapacity: 2236704,
    speedsX: [2, 3, 5],
    canReserve: false,
    canBlank: false,
    formatTypes: [0x00, 0x01],
    testWrite: false,
    bufeControlled: false,
    writeTypes: [0, 1, 2],
    finalizeFunctions: [],
  },
  'bd-r': {
    ...bd,
    id: 'bd-r',
    name: 'BD-R',
    profile: Profile.BD_R_SRM,
    recording: 'sequential',
    erasable: false,
    capacity: 12219392,
    formattedCapacity: 12219392,
    speedsX: [2, 4, 6, 12],
    canReserve: true,
    canBlank: false,
    formatTypes: [0x00, 0x32],
    testWrite: false,
    bufeControlled: false,
    writeTypes: [0, 1, 2],
    finalizeFunctions: [0b110],
  },
  'bd-re': {
    ...bd,
    id: 'bd-re',
    name: 'BD-RE',
    profile: Profile.BD_RE,
    recording: 'random',
    erasable: true,
    capacity: 12219392,
    // Default format with spare areas (ISA + OSA), as READ FORMAT CAPACITIES offers first.
    formattedCapacity: 11826176,
    speedsX: [2],
    canReserve: false,
    canBlank: false,
    formatTypes: [0x00, 0x30, 0x31],
    testWrite: false,
    bufeControlled: false,
    writeTypes: [0, 1, 2],
    finalizeFunctions: [],
  },
};

/** Data Block Type (Write Parameters page byte 4) → bytes per sector (MMC-6 Table 649). */
export const DATA_BLOCK_SIZES: Readonly<Record<number, number>> = {
  0: 2352, // raw, 2352
  1: 2368, // raw + P-Q sub-channel
  2: 2448, // raw + P-W sub-channel, packed
  3: 2448, // raw + P-W sub-channel, raw
  8: 2048, // Mode 1
  9: 2336, // Mode 2 formless
  10: 2048, // Mode 2 Form 1
  11: 2056, // Mode 2 Form 1 with subheader
  12: 2324, // Mode 2 Form 2
  13: 2332, // Mode 2 mixed with subheader
};

/** Data block types a CD write type accepts (MMC-6 7.5.4): packet, TAO, SAO, raw. */
export const CD_BLOCK_TYPES_BY_WRITE_TYPE: Readonly<Record<number, readonly number[]>> = {
  0: [8, 10, 12, 13],
  1: [0, 8, 9, 10, 11, 12, 13],
  2: [0, 1, 2, 3, 8, 9, 10, 11, 12, 13],
  3: [1, 2, 3],
};

/** Bytes per second a drive records at `speedX` on this media, for a block size. */
export function bytesPerSecond(spec: MediaSpec, speedX: number, blockSize: number): number {
  return spec.oneXBlocksPerSecond * speedX * blockSize;
}
