// Text rendering for the discwright command: progress lines, summaries and error reports. Pure
// functions of their inputs (no TTY, no process), so the CLI's output is unit-tested.

import { DwError, formatHr, hrName } from '../errors.js';
import { DiscStatus } from '../scsi/mmc/read-disc-information.js';

/** The progress figures the CLI renders; a subset of the engine's update event args. */
export interface ProgressFigures {
  readonly sectorCount: number;
  readonly blocksWritten: number;
  readonly bytesPerSector: number;
  readonly bytesPerSecond: number;
  readonly averageBytesPerSecond: number;
  readonly etaMs: number | null;
  readonly totalSystemBuffer: number;
  readonly usedSystemBuffer: number;
  readonly totalDeviceBuffer: number | null;
  readonly usedDeviceBuffer: number | null;
  readonly elapsedMs: number;
}

/** Media families by their 1x rate in bytes per second (user data, 2048-byte sectors). */
export const OneXBytesPerSecond = {
  CD: 153_600,
  DVD: 1_385_000,
  BD: 4_495_500,
} as const;

export type MediaFamily = keyof typeof OneXBytesPerSecond;

/** CD 1x for raw sectors is 75 sectors per second of whatever size the sector has. */
export function oneXRate(family: MediaFamily, bytesPerSector: number): number {
  return family === 'CD' ? 75 * bytesPerSector : OneXBytesPerSecond[family];
}

/** The media family of an MMC profile number, or undefined when it is not a disc profile. */
export function mediaFamilyOfProfile(profile: number): MediaFamily | undefined {
  if (profile >= 0x08 && profile <= 0x0a) return 'CD';
  if ((profile >= 0x10 && profile <= 0x2b) || (profile >= 0x50 && profile <= 0x53)) return 'DVD';
  if (profile >= 0x40 && profile <= 0x43) return 'BD';
  return undefined;
}

/** `12.3 MB` (decimal megabytes, as drive makers count). */
export function formatMB(bytes: number): string {
  const mb = bytes / 1e6;
  return mb >= 100 ? `${mb.toFixed(0)} MB` : `${mb.toFixed(1)} MB`;
}

/** `1:02:03` or `2:03` or `--:--` when unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '--:--';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return (h > 0 ? `${h}:` : '') + `${mm}:${String(s).padStart(2, '0')}`;
}

function percent(used: number, total: number): string {
  if (total <= 0) return '0%';
  return `${Math.min(100, Math.max(0, Math.round((used / total) * 100)))}%`;
}

/**
 * One progress line: percent, MB written of total, MB/s and speed as "x" for the media, host
 * buffer fill, drive buffer fill (when the drive reports it) and ETA.
 */
export function progressLine(p: ProgressFigures, family?: MediaFamily): string {
  const totalBytes = p.sectorCount * p.bytesPerSector;
  const written = p.blocksWritten * p.bytesPerSector;
  const pct = p.sectorCount > 0 ? Math.floor((p.blocksWritten / p.sectorCount) * 100) : 0;
  const rate = p.bytesPerSecond > 0 ? p.bytesPerSecond : p.averageBytesPerSecond;
  const speed =
    family === undefined ? '' : ` (${(rate / oneXRate(family, p.bytesPerSector)).toFixed(1)}x)`;
  const drive =
    p.totalDeviceBuffer === null || p.usedDeviceBuffer === null
      ? 'drive --'
      : `drive ${percent(p.usedDeviceBuffer, p.totalDeviceBuffer)}`;
  return (
    `${String(pct).padStart(3)}% ${formatMB(written)} of ${formatMB(totalBytes)}` +
    ` ${(rate / 1e6).toFixed(1)} MB/s${speed}` +
    ` | host ${percent(p.usedSystemBuffer, p.totalSystemBuffer)} ${drive}` +
    ` | ETA ${formatDuration(p.etaMs)}`
  );
}

/** Everything a person needs from a failure: name, value, message, sense, LBA, what to do. */
export function errorReport(error: unknown): string {
  if (error instanceof DwError) return `error: ${error.describe()}`;
  if (error instanceof Error) return `error: ${error.message}`;
  return `error: ${String(error)}`;
}

/** The JSON result object printed last with `--json`. */
export function jsonResult(
  error: unknown,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  if (error === undefined) return { result: 'ok', hresult: formatHr(0), code: 'S_OK', ...extra };
  if (error instanceof DwError) {
    return {
      result: 'error',
      hresult: formatHr(error.hr),
      code: error.code,
      message: error.message,
      ...(error.senseInfo === undefined
        ? {}
        : {
            sense: {
              key: error.senseInfo.key,
              asc: error.senseInfo.asc,
              ascq: error.senseInfo.ascq,
              keyName: error.senseInfo.keyName,
              text: error.senseInfo.text,
            },
          }),
      ...(error.lba === undefined ? {} : { lba: error.lba }),
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...extra,
    };
  }
  const hr = 0x80004005;
  return {
    result: 'error',
    hresult: formatHr(hr),
    code: hrName(hr),
    message: error instanceof Error ? error.message : JSON.stringify(error),
    ...extra,
  };
}

/** READ DISC INFORMATION's Disc Status, as the reports name it. */
export const DISC_STATUS = {
  [DiscStatus.EMPTY]: 'blank',
  [DiscStatus.INCOMPLETE]: 'appendable',
  [DiscStatus.COMPLETE]: 'complete',
  [DiscStatus.OTHERS]: 'random-writable',
} as const;
