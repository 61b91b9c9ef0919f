// The loaded disc as DiscFormat2Data sees it (IMAPI2 IDiscFormat2Data media properties, see
// docs/burning.md "What the data writer reads"): the current profile, READ DISC INFORMATION, READ
// TRACK INFORMATION of the tracks that matter and READ FORMAT CAPACITIES, read from the drive each
// time (nothing cached: another program, or a cancelled write, may have changed the disc), and the
// IMAPI_FORMAT2_DATA_MEDIA_STATE flags, sector counts and session addresses derived from them.

import { DwError } from '../errors.js';
import {
  CapacityDescriptorType,
  decodeReadFormatCapacitiesData,
  readFormatCapacities,
  type FormatCapacities,
} from '../scsi/mmc/read-format-capacities.js';
import {
  DiscStatus,
  LastSessionState,
  type DiscInformation,
} from '../scsi/mmc/read-disc-information.js';
import type { TrackInformation } from '../scsi/mmc/read-track-information.js';
import { decodeLayerBoundaryInformation } from '../scsi/mmc/layer-boundary.js';
import { DiscStructureFormat } from '../scsi/mmc/read-disc-structure.js';
import type { DiscRecorder } from '../device/recorder.js';
import { writeProtectionOf } from './write-protection.js';
import {
  Format2DataMediaState,
  MediaPhysicalType,
  ProfileType,
  ReadTrackAddressType,
} from '../device/types.js';

/** How the data writer records on a profile. */
export type RecordingKind = 'sequential' | 'overwrite';

/** The profiles DiscFormat2Data writes, with their IMAPI_MEDIA_PHYSICAL_TYPE and recording. */
const WRITABLE: ReadonlyMap<number, { type: number; kind: RecordingKind }> = new Map([
  [ProfileType.CD_RECORDABLE, { type: MediaPhysicalType.CDR, kind: 'sequential' }],
  [ProfileType.CD_REWRITABLE, { type: MediaPhysicalType.CDRW, kind: 'sequential' }],
  [ProfileType.DVD_DASH_RECORDABLE, { type: MediaPhysicalType.DVDDASHR, kind: 'sequential' }],
  [ProfileType.DVD_DASH_RW_SEQUENTIAL, { type: MediaPhysicalType.DVDDASHRW, kind: 'sequential' }],
  [ProfileType.DVD_DASH_REWRITABLE, { type: MediaPhysicalType.DVDDASHRW, kind: 'overwrite' }],
  [ProfileType.DVD_RAM, { type: MediaPhysicalType.DVDRAM, kind: 'overwrite' }],
  [ProfileType.DVD_PLUS_RW, { type: MediaPhysicalType.DVDPLUSRW, kind: 'overwrite' }],
  [ProfileType.DVD_PLUS_R, { type: MediaPhysicalType.DVDPLUSR, kind: 'sequential' }],
  [ProfileType.DVD_PLUS_R_DUAL, { type: MediaPhysicalType.DVDPLUSR_DUALLAYER, kind: 'sequential' }],
  [ProfileType.BD_R_SEQUENTIAL, { type: MediaPhysicalType.BDR, kind: 'sequential' }],
  [ProfileType.BD_REWRITABLE, { type: MediaPhysicalType.BDRE, kind: 'overwrite' }],
]);

/** Physical types of profiles DiscFormat2Data reads but does not write. */
const OTHER_TYPES: ReadonlyMap<number, number> = new Map([
  [ProfileType.CDROM, MediaPhysicalType.CDROM],
  [ProfileType.DVDROM, MediaPhysicalType.DVDROM],
  [ProfileType.DVD_DASH_R_DUAL_SEQUENTIAL, MediaPhysicalType.DVDDASHR_DUALLAYER],
  [ProfileType.DVD_DASH_R_DUAL_LAYER_JUMP, MediaPhysicalType.DVDDASHR_DUALLAYER],
  [ProfileType.DVD_PLUS_RW_DUAL, MediaPhysicalType.DVDPLUSRW_DUALLAYER],
  [ProfileType.BD_ROM, MediaPhysicalType.BDROM],
  [ProfileType.BD_R_RANDOM_RECORDING, MediaPhysicalType.BDR],
  [ProfileType.HD_DVD_ROM, MediaPhysicalType.HDDVDROM],
  [ProfileType.HD_DVD_RECORDABLE, MediaPhysicalType.HDDVDR],
  [ProfileType.HD_DVD_RAM, MediaPhysicalType.HDDVDRAM],
]);

/** The profiles DiscFormat2Data writes (IDiscFormat2::SupportedMediaTypes, as profiles). */
export const SUPPORTED_PROFILES: readonly number[] = [...WRITABLE.keys()];

/** IMAPI_MEDIA_PHYSICAL_TYPE of an MMC profile (UNKNOWN for any other). */
export function physicalTypeOfProfile(profile: number): number {
  return WRITABLE.get(profile)?.type ?? OTHER_TYPES.get(profile) ?? MediaPhysicalType.UNKNOWN;
}

/** How DiscFormat2Data records on `profile`, or undefined when it does not write it. */
export function recordingKindOfProfile(profile: number): RecordingKind | undefined {
  return WRITABLE.get(profile)?.kind;
}

/** Everything read from the drive about the loaded disc, at one moment. */
export interface MediaSnapshot {
  readonly profile: number;
  readonly physicalType: number;
  readonly kind: RecordingKind | undefined;
  readonly disc: DiscInformation;
  /** The last track of the last session (the invisible/incomplete one on appendable media). */
  readonly lastTrack: TrackInformation;
  /** READ FORMAT CAPACITIES, on overwrite media (undefined where the drive refuses it). */
  readonly formatCapacities: FormatCapacities | undefined;
  /** IMAPI_MEDIA_WRITE_PROTECT_STATE the drive reports (write-protection.ts); 0 when none. */
  readonly writeProtect: number;
}

/** READ FORMAT CAPACITIES, decoded; undefined when the drive does not answer it. */
export async function readCapacities(
  recorder: DiscRecorder,
): Promise<FormatCapacities | undefined> {
  try {
    const r = await recorder.executeCommand(readFormatCapacities());
    return decodeReadFormatCapacitiesData(r.dataIn);
  } catch (e) {
    if (e instanceof DwError && e.senseInfo !== undefined) return undefined;
    throw e;
  }
}

/** Reads the snapshot. NO MEDIA and the like reject with the recorder's mapped error. */
export async function readMedia(recorder: DiscRecorder): Promise<MediaSnapshot> {
  const profile = await recorder.getCurrentProfile();
  const disc = await recorder.discInformation();
  const lastTrack = await recorder.trackInformation(
    disc.lastTrackNumberInLastSession,
    ReadTrackAddressType.TRACK,
  );
  const kind = recordingKindOfProfile(profile);
  const formatCapacities = kind === 'overwrite' ? await readCapacities(recorder) : undefined;
  const writeProtect = kind === undefined ? 0 : await writeProtectionOf(recorder, profile);
  return {
    writeProtect,
    profile,
    physicalType: physicalTypeOfProfile(profile),
    kind,
    disc,
    lastTrack,
    formatCapacities,
  };
}

/** Overwrite media without a usable format (FORMAT UNIT needed before writing). */
export function needsFormat(m: MediaSnapshot): boolean {
  return (
    m.kind === 'overwrite' &&
    m.formatCapacities !== undefined &&
    m.formatCapacities.currentMaximumCapacity.descriptorType === CapacityDescriptorType.UNFORMATTED
  );
}

/**
 * IMAPI_FORMAT2_DATA_MEDIA_STATE of the snapshot. Overwrite media are OVERWRITE_ONLY (and BLANK
 * until formatted); sequential media BLANK, APPENDABLE (with NON_EMPTY_SESSION while the last
 * session holds data and is open, which a whole-session writer cannot append to), FINALIZED
 * (plus ERASE_REQUIRED on rewritable media) or DAMAGED; profiles it does not write
 * UNSUPPORTED_MEDIA. WRITE_PROTECTED when the drive reports protection; FINAL_SESSION on
 * sequential media when the session a write would start is the last one the disc can take
 * (finalSession).
 */
export function mediaStateFlags(m: MediaSnapshot): number {
  const F = Format2DataMediaState;
  if (m.kind === undefined) return F.UNSUPPORTED_MEDIA;
  const wp = m.writeProtect !== 0 ? F.WRITE_PROTECTED : 0;
  if (m.kind === 'overwrite') return wp | F.OVERWRITE_ONLY | (needsFormat(m) ? F.BLANK : 0);
  const { discStatus, stateOfLastSession, erasable } = m.disc;
  let flags: number = 0;
  if (stateOfLastSession === LastSessionState.DAMAGED || m.lastTrack.damage) flags |= F.DAMAGED;
  switch (discStatus) {
    case DiscStatus.EMPTY:
      flags |= F.BLANK;
      break;
    case DiscStatus.INCOMPLETE:
      flags |= F.APPENDABLE;
      if (stateOfLastSession === LastSessionState.INCOMPLETE) flags |= F.NON_EMPTY_SESSION;
      break;
    case DiscStatus.COMPLETE:
      flags |= F.FINALIZED | (erasable ? F.ERASE_REQUIRED : 0);
      break;
    case DiscStatus.OTHERS:
      flags |= F.UNSUPPORTED_MEDIA;
      break;
  }
  if ((flags & (F.BLANK | F.APPENDABLE)) !== 0 && finalSession(m)) flags |= F.FINAL_SESSION;
  return flags | wp;
}

/** CD: 99 tracks at most (Red Book). */
const CD_LAST_TRACK = 99;

/**
 * What one more session costs on a sequential profile: `overhead(n)`, the blocks between the end
 * of session n and the first block of the next (CD: n's lead-out, 6,750 blocks after the first
 * session and 2,250 later, the next lead-in, 4,500, and pre-gap, 150; DVD-R/-RW: the border-out
 * and next border-in, 28,688 after the first border and 12,288 later; DVD+R and DVD+R DL: the
 * session closure and next intro, 2,048; BD-R: none the drive reports apart), and `unit`, the
 * fewest blocks a track takes (a DVD ECC block, 16; a BD cluster, 32). The same figures the
 * virtual drive lays its sessions out with (docs/virtual-drive.md).
 */
const SESSION_COST: ReadonlyMap<number, { overhead: (n: number) => number; unit: number }> =
  new Map([
    [ProfileType.CD_RECORDABLE, { overhead: cdOverhead, unit: 1 }],
    [ProfileType.CD_REWRITABLE, { overhead: cdOverhead, unit: 1 }],
    [ProfileType.DVD_DASH_RECORDABLE, { overhead: dvdMinusOverhead, unit: 16 }],
    [ProfileType.DVD_DASH_RW_SEQUENTIAL, { overhead: dvdMinusOverhead, unit: 16 }],
    [ProfileType.DVD_PLUS_R, { overhead: () => 2048, unit: 16 }],
    [ProfileType.DVD_PLUS_R_DUAL, { overhead: () => 2048, unit: 16 }],
    [ProfileType.BD_R_SEQUENTIAL, { overhead: () => 0, unit: 32 }],
  ]);

function cdOverhead(session: number): number {
  return (session === 1 ? 6750 : 2250) + 4500 + 150;
}

function dvdMinusOverhead(session: number): number {
  return session === 1 ? 28688 : 12288;
}

/**
 * The session a write starts now is the last the disc can hold (IMAPI2's FINAL_SESSION). No
 * drive field says so; it follows from READ TRACK INFORMATION of the invisible track and the
 * format: the free blocks cannot take the smallest track of this session, the overhead before
 * another session (SESSION_COST) and the smallest track of that one. On CD also when the next
 * track would be number 99, the last the format numbers. No maximum session count is applied
 * on DVD and BD (docs/burning.md).
 */
function finalSession(m: MediaSnapshot): boolean {
  const cost = SESSION_COST.get(m.profile);
  const t = m.lastTrack;
  if (cost === undefined || !t.nwaV) return false;
  const cd = m.profile === ProfileType.CD_RECORDABLE || m.profile === ProfileType.CD_REWRITABLE;
  if (cd && t.logicalTrackNumber >= CD_LAST_TRACK) return true;
  return t.freeBlocks < cost.unit + cost.overhead(t.sessionNumber) + cost.unit;
}

/** Blocks of a formatted overwrite disc, or the formattable maximum of an unformatted one. */
function overwriteCapacity(m: MediaSnapshot): number {
  const c = m.formatCapacities?.currentMaximumCapacity;
  if (c !== undefined && c.descriptorType !== CapacityDescriptorType.NO_MEDIA) {
    return c.numberOfBlocks;
  }
  return m.lastTrack.logicalTrackSize;
}

/** Where the next write goes and how much room it has (IMAPI2's NextWritableAddress etc.). */
export interface WritableArea {
  readonly nextWritableAddress: number;
  readonly freeSectors: number;
  readonly totalSectors: number;
}

/**
 * Sequential media: the NWA and free blocks of the last track (0 free when the drive reports no
 * NWA, as on a closed disc); total = NWA + free. Overwrite media: the whole disc from LBA 0.
 */
export function writableArea(m: MediaSnapshot): WritableArea {
  if (m.kind === 'overwrite') {
    const total = overwriteCapacity(m);
    return { nextWritableAddress: 0, freeSectors: total, totalSectors: total };
  }
  const t = m.lastTrack;
  if (!t.nwaV) {
    const end = t.logicalTrackStartAddress + t.logicalTrackSize;
    return { nextWritableAddress: end, freeSectors: 0, totalSectors: end };
  }
  return {
    nextWritableAddress: t.nextWritableAddress,
    freeSectors: t.freeBlocks,
    totalSectors: t.nextWritableAddress + t.freeBlocks,
  };
}

/** Start and last written LBA of the newest closed session, or −1 for both when there is none. */
export interface PreviousSession {
  readonly startAddress: number;
  readonly lastWrittenAddress: number;
}

const NO_PREVIOUS: PreviousSession = { startAddress: -1, lastWrittenAddress: -1 };

/**
 * The newest closed session of an appendable sequential disc (what `cdrecord -msinfo` prints
 * the start of): READ TRACK INFORMATION of every track before the last session's first track,
 * keeping those of the session just before it. −1/−1 on blank, closed and overwrite media.
 */
export async function previousSession(
  recorder: DiscRecorder,
  m: MediaSnapshot,
): Promise<PreviousSession> {
  if (m.kind !== 'sequential' || m.disc.discStatus !== DiscStatus.INCOMPLETE) return NO_PREVIOUS;
  if (m.disc.stateOfLastSession !== LastSessionState.EMPTY) return NO_PREVIOUS;
  const previous = m.disc.numberOfSessions - 1;
  if (previous < 1) return NO_PREVIOUS;
  let start: number | undefined;
  let last: number | undefined;
  for (let n = m.disc.numberOfFirstTrackOnDisc; n < m.disc.firstTrackNumberInLastSession; n++) {
    const t = await recorder.trackInformation(n, ReadTrackAddressType.TRACK);
    if (t.sessionNumber !== previous) continue;
    start ??= t.logicalTrackStartAddress;
    last =
      t.lraV && t.lastRecordedAddress !== undefined
        ? t.lastRecordedAddress
        : t.logicalTrackStartAddress + t.logicalTrackSize - 1;
  }
  if (start === undefined || last === undefined) return NO_PREVIOUS;
  return { startAddress: start, lastWrittenAddress: last };
}

/**
 * DVD+R DL: where layer 1 begins, the L0 DATA ZONE CAPACITY of READ DISC STRUCTURE 20h (Layer
 * Boundary Information, as growisofs reads it to report its layer split). Undefined on other
 * media, and when the drive does not answer the structure (a drive error, not a layer at 0).
 */
export async function layerBreakOf(
  recorder: DiscRecorder,
  profile: number,
): Promise<number | undefined> {
  if (profile !== ProfileType.DVD_PLUS_R_DUAL) return undefined;
  try {
    const payload = await recorder.readDvdStructure(
      DiscStructureFormat.LAYER_BOUNDARY_INFORMATION,
      0,
      0,
      0,
    );
    return decodeLayerBoundaryInformation(payload).l0DataZoneCapacity;
  } catch (e) {
    if (e instanceof DwError && e.senseInfo !== undefined) return undefined;
    throw e;
  }
}
