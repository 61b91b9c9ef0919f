// The write engine's argument checks (spec §2.3, §2.4.1): the values its setters accept, the
// object setRecorder() is handed, and writeSection's arguments in the order of §2.4.1 a–j (the
// first failure wins). Also the records the checks lead to: the drive info setRecorder() caches
// (§2.2) and the Section a checked call is frozen into (§2.4.1 m), which the workers read.

import { DwError, HR, invalidArgument } from '../errors.js';
import { MAX_INT32, MIN_INT32 } from '../scsi/bytes.js';
import type { DiscRecorderEx } from '../device/types.js';
import { computeGeometry, type Geometry, type SlotPool } from './pipeline.js';
import { sourceKind, type SectionSource, type SourceKind } from './sources.js';

/** DiscRecorderEx members the engine calls, checked when a recorder is set. */
const RECORDER_METHODS = [
  'getMaximumNonPageAlignedTransferSize',
  'getMaximumPageAlignedTransferSize',
  'getByteAlignmentMask',
  'getFeaturePage',
  'sendCommandSendDataToDevice',
  'sendCommandGetDataFromDevice',
] as const;

/** The drive info of spec §2.2, cached by setRecorder(). */
export interface DriveInfo {
  /**
   * Page-aligned maximum transfer, bytes (0 from the recorder becomes 65,536), lowered to the
   * recorder's getTransferLimits() maximum where it has one.
   */
  readonly maxTransfer: number;
  /** The recorder's preferred transfer (getTransferLimits), else 65,536: maxTransferSize's default. */
  readonly preferredTransfer: number;
  readonly alignment: number;
  /** READ BUFFER CAPACITY support. */
  rbc: 'unknown' | 'yes' | 'no';
}

/** One section's parameters, frozen once its checks passed (spec §2.4.1 m). */
export interface Section {
  readonly recorder: DiscRecorderEx;
  readonly drive: DriveInfo;
  readonly geometry: Geometry;
  readonly pool: SlotPool;
  readonly bytesPerSector: number;
  readonly streaming: boolean;
  readonly start: number;
  readonly blocks: number;
  readonly source: SectionSource;
  readonly signal: AbortSignal | undefined;
  readonly hints: { readonly starting: number; readonly ending: number };
  /** WRITEs in flight at most where the recorder has queued writes (WriteEngine.queueDepth). */
  readonly queueDepth: number;
}

/** WriteEngine.hostBufferSize unless set (spec §2.4.1 b). */
export const DEFAULT_HOST_BUFFER_SIZE = 8 * 1024 * 1024;
/** The most a host buffer grows to by itself for a deep queue. */
const MAX_AUTO_HOST_BUFFER_SIZE = 64 * 1024 * 1024;
/** WriteEngine.maxTransferSize where neither it nor the recorder says otherwise (IMAPI2's). */
export const DEFAULT_MAX_TRANSFER_SIZE = 65536;

/**
 * WriteEngine.hostBufferSize unless set: 8 MiB, or where the recorder queues WRITEs, twice
 * `queueDepth` × the WRITE size (at most 64 MiB): the reader fills one half while the other is in
 * flight (docs/decisions.md, "Transfer size from the path").
 */
export function autoHostBufferSize(
  queued: boolean,
  drive: DriveInfo | undefined,
  maxTransferSize: number,
  queueDepth: number,
): number {
  if (!queued || drive === undefined) return DEFAULT_HOST_BUFFER_SIZE;
  const chunk = Math.min(maxTransferSize, drive.maxTransfer);
  const want = Math.ceil((2 * queueDepth * chunk) / 4096) * 4096;
  return Math.min(Math.max(DEFAULT_HOST_BUFFER_SIZE, want), MAX_AUTO_HOST_BUFFER_SIZE);
}

/** A transfer size a recorder reported, if it is one the engine accepts (maxTransferSize). */
export function validTransfer(v: unknown): number | undefined {
  return isInt(v, 512, 16777216) ? v : undefined;
}

export function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * A section's extent (spec §2.4.1 e–h): bytesPerSector set, 1 … 2³¹−1 blocks, a signed 32-bit
 * first LBA, and a last LBA that does not overflow. `names` are the caller's argument names.
 */
export function checkExtent(
  bytesPerSector: number,
  start: unknown,
  blocks: unknown,
  names: { readonly start: string; readonly blocks: string },
): { readonly start: number; readonly blocks: number } {
  if (bytesPerSector === -1) throw invalidArgument('bytesPerSector has not been set');
  if (!isInt(blocks, 1, MAX_INT32)) {
    throw invalidArgument(`${names.blocks} must be an integer 1..2147483647`);
  }
  if (!isInt(start, MIN_INT32, MAX_INT32)) {
    throw invalidArgument(`${names.start} must be a signed 32-bit integer`);
  }
  if (start + blocks - 1 > MAX_INT32) throw invalidArgument('the section runs past LBA 2147483647');
  return { start, blocks };
}

/** A speed hint setter's value (spec §2.3): -1 ("maximum") or a positive 32-bit integer. */
export function speedHint(v: unknown, name: string): number {
  if (v === -1 || isInt(v, 1, MAX_INT32)) return v;
  throw invalidArgument(`${name} must be -1 or an integer 1..2147483647`);
}

/** setRecorder()'s value checks (spec §2.3 step 1), before the busy check. */
export function checkRecorder(r: DiscRecorderEx): void {
  if (r === null || r === undefined) {
    throw new DwError(HR.E_POINTER, { message: 'setRecorder needs a recorder' });
  }
  if (typeof r !== 'object' && typeof r !== 'function') {
    throw invalidArgument('setRecorder needs an object implementing DiscRecorderEx');
  }
  const rec = r as unknown as Record<string, unknown>;
  const missing = RECORDER_METHODS.filter((m) => typeof rec[m] !== 'function');
  if (missing.length > 0) {
    throw invalidArgument(
      `setRecorder: the object lacks DiscRecorderEx members ${missing.join(', ')}`,
    );
  }
}

/** The engine's state a writeSection call is checked against. */
export interface EngineSettings {
  readonly recorder: DiscRecorderEx | null;
  readonly drive: DriveInfo | undefined;
  readonly bytesPerSector: number;
  readonly useStreamingWrite12: boolean;
  readonly canStreamWrite: boolean;
  readonly maxTransferSize: number;
  readonly hostBufferSize: number;
}

/** writeSection's arguments once spec §2.4.1 a–j passed. */
export interface SectionArgs {
  readonly recorder: DiscRecorderEx;
  readonly drive: DriveInfo;
  readonly kind: SourceKind;
  readonly signal: AbortSignal | undefined;
  readonly bytesPerSector: number;
  readonly streaming: boolean;
  readonly start: number;
  readonly blocks: number;
  readonly geometry: Geometry;
}

/**
 * Spec §2.4.1 a–j, in that order. Allocating the slot pool (k) and opening the source (l) are
 * the caller's: they have effects a failed check must not have.
 */
export function checkSectionArgs(
  source: unknown,
  start: unknown,
  blocks: unknown,
  options: { readonly signal?: AbortSignal },
  engine: EngineSettings,
): SectionArgs {
  const noSource = source === null || source === undefined;
  const recorder = engine.recorder;
  const drive = engine.drive;
  if (recorder === null || drive === undefined) {
    throw new DwError(HR.E_IMAPI_RECORDER_REQUIRED, {
      message: 'no recorder has been assigned; call setRecorder() first',
    });
  }
  if (noSource) throw new DwError(HR.E_POINTER, { message: 'writeSection needs a source' });
  const kind = sourceKind(source);
  if (kind === undefined) {
    throw invalidArgument(
      'unsupported source: pass a Uint8Array, a file path, a Readable, a FileHandle, a BlockReader or an AsyncIterable<Uint8Array>',
    );
  }
  const opts: unknown = options;
  if (opts !== undefined && (typeof opts !== 'object' || opts === null)) {
    throw invalidArgument('writeSection options must be an object');
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgument('options.signal must be an AbortSignal');
  }
  const bps = engine.bytesPerSector;
  const extent = checkExtent(bps, start, blocks, {
    start: 'startingBlockAddress',
    blocks: 'numberOfBlocks',
  });
  const streaming = engine.useStreamingWrite12;
  if (streaming && !engine.canStreamWrite) {
    throw new DwError(HR.E_NOTIMPL, {
      message: 'useStreamingWrite12 is set but the current recorder does not report stream writing',
    });
  }
  const geometry = computeGeometry({
    bytesPerSector: bps,
    maxTransferSize: engine.maxTransferSize,
    driveMaxTransfer: drive.maxTransfer,
    hostBufferSize: engine.hostBufferSize,
    streaming,
    alignment: drive.alignment,
  });
  if (geometry.blocksPerChunk === 0 || geometry.slotCount < 2) {
    throw invalidArgument(
      `bytesPerSector ${bps} does not fit: ${geometry.blocksPerChunk} blocks per WRITE, ${geometry.slotCount} slots in ${engine.hostBufferSize} bytes`,
    );
  }
  return { recorder, drive, kind, signal, bytesPerSector: bps, streaming, ...extent, geometry };
}
