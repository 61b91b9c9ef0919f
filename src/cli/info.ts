// `discwright info <recorder> [--json]`: identity, profiles (current marked), media status,
// capacity, next writable address, free blocks, write speeds and buffer size. Each item is read
// on its own, so an empty drive or a missing command still shows everything else; an item lost
// to the transport (connection lost, timeout, a target that broke the protocol) is not a missing
// feature: the output is marked partial and the exit status is 1 (docs/decisions.md). The report
// is printed after the drive is closed; a close that fails is reported and makes the status 1.

import { DwError, HR } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import { writablePosition } from '../device/media-ops.js';
import { layerBreakOf } from '../format/media-state.js';
import { profileName } from '../scsi/mmc/profiles.js';
import { DiscStatus, LastSessionState } from '../scsi/mmc/read-disc-information.js';
import { exitCodeFor } from './exit-codes.js';
import { DISC_STATUS, errorReport, formatMB, mediaFamilyOfProfile, oneXRate } from './format.js';
import { println, type CliIo } from './io.js';
import { openCliRecorder } from './open-recorder.js';
import { afterClose, closeFields, closeRecorder } from './section-report.js';
import { cdInfoLines, gatherCdInfo, type CdInfo } from './cd-info.js';

/** CD-ROM, CD-R and CD-RW profiles. */
const CD_PROFILES: readonly number[] = [0x08, 0x09, 0x0a];

export interface InfoReport {
  readonly address: string;
  readonly vendorId: string;
  readonly productId: string;
  readonly productRevision: string;
  readonly profiles: readonly { code: number; name: string; current: boolean }[];
  readonly currentProfile: { code: number; name: string } | null;
  readonly media: {
    readonly status: 'blank' | 'appendable' | 'complete' | 'random-writable';
    readonly lastSession: 'empty' | 'incomplete' | 'damaged' | 'complete';
    readonly erasable: boolean;
    readonly sessions: number;
    readonly lastTrack: number;
    /** Last possible lead-out start (the disc's capacity in blocks on sequential media). */
    readonly capacityBlocks: number | null;
  } | null;
  /** READ CAPACITY: the recorded area. */
  readonly recorded: { readonly blocks: number; readonly blockLength: number } | null;
  readonly nextWritableAddress: number | null;
  readonly freeBlocks: number | null;
  readonly writeSpeeds: readonly { kBps: number; x: number | null }[];
  readonly buffer: { readonly sizeBytes: number; readonly freeBytes: number } | null;
  /** CD media with something recorded: tracks, indexes, ISRC/MCN, CD-TEXT (cd-info.ts). */
  readonly cd?: CdInfo;
  /** DVD+R DL only: the first LBA of layer 1 (READ DISC STRUCTURE 20h). */
  readonly layerBreak?: number;
  /** What could not be read, by item (e.g. `media: E_IMAPI_RECORDER_MEDIA_NO_MEDIA`). */
  readonly unavailable: Readonly<Record<string, string>>;
}

const SESSION = {
  [LastSessionState.EMPTY]: 'empty',
  [LastSessionState.INCOMPLETE]: 'incomplete',
  [LastSessionState.DAMAGED]: 'damaged',
  [LastSessionState.COMPLETE]: 'complete',
} as const;

function why(e: unknown): string {
  if (e instanceof DwError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** Failures of the way to the drive, not answers of the drive: no sense, one of these. */
const TRANSPORT_FAILURES: ReadonlySet<number> = new Set([
  HR.ERROR_DEV_NOT_EXIST,
  HR.ERROR_IO_DEVICE,
  HR.ERROR_INVALID_HANDLE,
  HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT,
  HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
]);

/** Whether `e` says the command never got a drive's answer (not: the drive lacks the item). */
export function failedInTransport(e: unknown): boolean {
  return !(e instanceof DwError) || (e.sense === undefined && TRANSPORT_FAILURES.has(e.hr));
}

/**
 * Reads everything `info` shows; items the drive cannot give are listed in `unavailable`. The
 * errors of items that failed in transport are also pushed to `failures` when given.
 */
export async function gatherInfo(
  recorder: DiscRecorder,
  address: string,
  failures?: unknown[],
): Promise<InfoReport> {
  const unavailable: Record<string, string> = {};
  async function item<T>(name: string, read: () => Promise<T>): Promise<T | null> {
    try {
      return await read();
    } catch (e) {
      unavailable[name] = why(e);
      if (failedInTransport(e)) failures?.push(e);
      return null;
    }
  }
  const supported = (await item('profiles', () => recorder.getSupportedProfiles(false))) ?? [];
  const current = await item('currentProfile', () => recorder.getCurrentProfile());
  // On CD the lead-in and last possible lead-out fields are MSF (MMC-6 6.22.3.1.14): decoded as
  // LBAs they would read as millions of blocks.
  const onCd = current !== null && CD_PROFILES.includes(current);
  const disc = await item('media', () => recorder.discInformation({ msf: onCd }));
  const recorded = await item('recorded', () => recorder.capacity());
  const position =
    disc === null ? null : await item('nextWritableAddress', () => writablePosition(recorder));
  const speeds = (await item('writeSpeeds', () => recorder.writeSpeeds())) ?? [];
  const buffer = await item('buffer', () => recorder.bufferCapacity());
  const layerBreak =
    current === null ? undefined : await item('layerBreak', () => layerBreakOf(recorder, current));
  const family = current === null || current === 0 ? undefined : mediaFamilyOfProfile(current);
  const cd =
    onCd && disc !== null && disc.discStatus !== DiscStatus.EMPTY
      ? await item('cd', () => gatherCdInfo(recorder))
      : null;
  for (const [k, v] of Object.entries(cd?.unavailable ?? {})) unavailable[k] = v;
  return {
    ...(cd === null ? {} : { cd }),
    address,
    vendorId: recorder.vendorId,
    productId: recorder.productId,
    productRevision: recorder.productRevision,
    profiles: supported.map((code) => ({
      code,
      name: profileName(code),
      current: code === current,
    })),
    currentProfile:
      current === null || current === 0 ? null : { code: current, name: profileName(current) },
    media:
      disc === null
        ? null
        : {
            status: DISC_STATUS[disc.discStatus],
            lastSession: SESSION[disc.stateOfLastSession],
            erasable: disc.erasable,
            sessions: disc.numberOfSessions,
            lastTrack: disc.lastTrackNumberInLastSession,
            capacityBlocks: disc.lastPossibleLeadOutStartAddress,
          },
    recorded:
      recorded === null || disc?.discStatus === DiscStatus.EMPTY
        ? null
        : { blocks: recorded.lastLba + 1, blockLength: recorded.blockLength },
    nextWritableAddress: position?.nextWritableAddress ?? null,
    freeBlocks: position?.freeBlocks ?? null,
    writeSpeeds: speeds.map((s) => ({
      kBps: s.writeSpeedKBps,
      x:
        family === undefined
          ? null
          : Math.round(((s.writeSpeedKBps * 1000) / oneXRate(family, 2048)) * 10) / 10,
    })),
    buffer:
      buffer === null || buffer.blockDataReturned
        ? null
        : { sizeBytes: buffer.bufferLengthBytes, freeBytes: buffer.bufferAvailableBytes },
    ...(layerBreak === undefined || layerBreak === null ? {} : { layerBreak }),
    unavailable,
  };
}

function hex4(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The text form of `info`. */
export function infoText(r: InfoReport): string {
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`${`${k}:`.padEnd(14)}${v}`);
  row('recorder', r.address);
  row('identity', `${r.vendorId} ${r.productId} ${r.productRevision}`.trim());
  row(
    'profiles',
    r.profiles.length === 0
      ? 'unknown'
      : r.profiles.map((p) => `${p.current ? '*' : ''}${p.name}`).join(', ') +
          (r.profiles.some((p) => p.current) ? '  (* current)' : ''),
  );
  row(
    'media',
    r.currentProfile === null
      ? 'none'
      : `${r.currentProfile.name} (profile ${hex4(r.currentProfile.code)})`,
  );
  if (r.media !== null) {
    const m = r.media;
    row(
      'status',
      `${m.status}, last session ${m.lastSession}, ${m.sessions} session(s), last track ${m.lastTrack}` +
        (m.erasable ? ', erasable' : ''),
    );
    if (m.capacityBlocks !== null && m.capacityBlocks > 0) {
      row('capacity', `${m.capacityBlocks} blocks (${formatMB(m.capacityBlocks * 2048)})`);
    }
  } else if (r.unavailable.media !== undefined) {
    row('status', `unavailable (${r.unavailable.media})`);
  }
  if (r.recorded !== null) {
    row(
      'recorded',
      `${r.recorded.blocks} blocks of ${r.recorded.blockLength} bytes (${formatMB(r.recorded.blocks * r.recorded.blockLength)})`,
    );
  }
  if (r.media !== null) {
    row('NWA', r.nextWritableAddress === null ? 'none' : String(r.nextWritableAddress));
    if (r.freeBlocks !== null) {
      row('free blocks', `${r.freeBlocks} (${formatMB(r.freeBlocks * 2048)})`);
    }
    if (r.layerBreak !== undefined) row('layer break', `LBA ${r.layerBreak} (layer 1 starts)`);
  }
  row(
    'write speeds',
    r.writeSpeeds.length === 0
      ? 'not reported'
      : r.writeSpeeds.map((s) => (s.x === null ? `${s.kBps} kB/s` : `${s.x}x`)).join(', '),
  );
  row(
    'buffer',
    r.buffer === null
      ? 'not reported'
      : `${formatMB(r.buffer.sizeBytes)} (${formatMB(r.buffer.freeBytes)} free)`,
  );
  if (r.cd !== undefined) lines.push(...cdInfoLines(r.cd));
  return lines.join('\n');
}

/** Runs the command; returns the exit status. */
export async function infoCommand(
  io: CliIo,
  address: string,
  o: { readonly json?: boolean; readonly map?: boolean },
): Promise<number> {
  let recorder: DiscRecorder | undefined;
  let code: number;
  let report: InfoReport | undefined;
  try {
    // Read-only: a read-only image can be inspected, and a mistyped image path creates nothing.
    recorder = await openCliRecorder(address, { readOnly: true }, io.virtualFaults);
    if (o.map === true) {
      const { mapCommandOutput } = await import('./disc-map.js');
      println(io.stdout, await mapCommandOutput(recorder, o.json === true));
      return afterClose(io, 0, await closeRecorder(recorder));
    }
    const failures: unknown[] = [];
    report = await gatherInfo(recorder, address, failures);
    if (o.json !== true) println(io.stdout, infoText(report));
    code = partial(io, report, failures);
  } catch (e) {
    println(io.stderr, errorReport(e));
    code = exitCodeFor(e);
  }
  // A read-only drive writes nothing when it closes, but a close that fails is still reported.
  const closeError = await closeRecorder(recorder);
  if (o.json === true && report !== undefined) {
    println(io.stdout, JSON.stringify({ ...report, ...closeFields(closeError) }, null, 2));
  }
  return afterClose(io, code, closeError);
}

/** Reports the items lost in transport (the exit status is then theirs), or returns 0. */
function partial(io: CliIo, report: InfoReport, failures: readonly unknown[]): number {
  if (failures.length === 0) return 0;
  // Partial: what is shown may be wrong by omission (no media, no NWA), so scripts must see it.
  const names = Object.keys(report.unavailable).filter((k) =>
    failures.some((f) => why(f) === report.unavailable[k]),
  );
  println(io.stderr, `info is partial: ${names.join(', ')} could not be read from the drive`);
  println(io.stderr, errorReport(failures[0]));
  return exitCodeFor(failures[0]);
}
