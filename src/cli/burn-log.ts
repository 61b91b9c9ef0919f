// The burn log (`--log <file>`, issue #22; docs/burn-log.md): one run's whole record as NDJSON,
// for `discwright report` and for people. Line 1 is the header (the drive, the media, the speeds
// asked for, discwright's version and the host); then, in the order they happened, the engine's
// updates exactly as `--json` prints them, events (phases, retries with their sense, busy waits,
// speed requests, other CHECK CONDITIONs; command-events.ts) and last the result. Every record
// carries `t`, milliseconds since the log was opened, so updates and events share one clock.
//
// Written for any command that runs a write (write-section now, `burn` later): open it before the
// recorder, header() once the drive is open, watchCommands() around the work, phase() at each
// step, update() from the engine's listener, result() and close() at the end. Writing is
// buffered by a file stream, so the engine's update listener never waits for the disk; a write
// failure is kept and reported by close(), so a log that could not be written is never mistaken
// for a complete one.

import { createWriteStream, type WriteStream } from 'node:fs';
import { hostname, platform, arch, release } from 'node:os';
import { DwError, HR, invalidArgument } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import type { WriteEngineEventArgs } from '../engine/index.js';
import { decodeCapabilitiesAndMechanicalStatusPage } from '../scsi/mmc/mode-pages/capabilities-and-mechanical-status.js';
import { profileName } from '../scsi/mmc/profiles.js';
import { ModePageRequestType, ModePageType } from '../scsi/spc/mode-pages.js';
import { watchCommands as watchTrace, type CommandWatch } from './command-events.js';
import { mediaFamilyOfProfile, oneXRate } from './format.js';
import { readMediaIdentity } from './media-id.js';
import { DISCWRIGHT_VERSION } from './version.js';

/** The `format` of the header line; `report` refuses other values. */
export const LOG_FORMAT = 'discwright-burn-log';
export const LOG_FORMAT_VERSION = 1;

/** What the command was asked to do (the header's `run`). */
export interface RunDescription {
  readonly command: string;
  readonly address: string;
  readonly section?: {
    readonly lba: number;
    readonly blocks: number;
    readonly bytesPerSector: number;
  };
  /** `burn`'s options (image, verification, closing, speed asked for). */
  readonly burn?: Readonly<Record<string, unknown>>;
  /** The engine's speed hints in sectors per second (-1: maximum; null: not given). */
  readonly requested: {
    readonly startSectorsPerSecond: number | null;
    readonly endSectorsPerSecond: number | null;
  };
}

/** What the drive says about itself and the disc (the header's `drive` and `media`). */
export interface DriveDescription {
  readonly drive: {
    readonly vendorId: string;
    readonly productId: string;
    readonly productRevision: string;
  };
  readonly media: {
    readonly profile: number | null;
    readonly profileName: string | null;
    /** `CD`, `DVD` or `BD`: the family whose 1x the report's "x" figures use. */
    readonly family: string | null;
    /** Bytes per second of 1x for this media and the section's sector size. */
    readonly oneXBytesPerSecond: number | null;
    readonly manufacturerId: string | null;
    readonly mediaTypeId: string | null;
  };
  /** The write speeds the drive offers for this disc (GET PERFORMANCE), kB/s. */
  readonly writeSpeedsKBps: readonly number[];
  /**
   * The write speed the drive says it is set to at the start (page 2Ah Current Write Speed
   * Selected, else Current Write Speed), kB/s; null when it does not say.
   */
  readonly currentWriteSpeedKBps: number | null;
}

/** Page 2Ah's current write speed, or null. */
async function currentWriteSpeed(recorder: DiscRecorder): Promise<number | null> {
  try {
    const page = decodeCapabilitiesAndMechanicalStatusPage(
      await recorder.getModePage(
        ModePageType.LEGACY_CAPABILITIES,
        ModePageRequestType.CURRENT_VALUES,
      ),
    );
    const kBps = page.currentWriteSpeedSelectedKBps ?? page.currentWriteSpeedKBps;
    return kBps === undefined || kBps === 0 ? null : kBps;
  } catch {
    return null;
  }
}

/** Asks the drive for the header's facts; an item the drive does not give is null or empty. */
export async function describeDrive(
  recorder: DiscRecorder,
  bytesPerSector: number,
): Promise<DriveDescription> {
  let profile: number | null = null;
  try {
    const p = await recorder.getCurrentProfile();
    profile = p === 0 ? null : p;
  } catch {
    profile = null;
  }
  const family = profile === null ? undefined : mediaFamilyOfProfile(profile);
  const id = await readMediaIdentity(recorder, profile);
  let speeds: number[] = [];
  try {
    speeds = (await recorder.writeSpeeds()).map((s) => s.writeSpeedKBps);
  } catch {
    speeds = [];
  }
  return {
    drive: {
      vendorId: recorder.vendorId,
      productId: recorder.productId,
      productRevision: recorder.productRevision,
    },
    media: {
      profile,
      profileName: profile === null ? null : profileName(profile),
      family: family ?? null,
      oneXBytesPerSecond: family === undefined ? null : oneXRate(family, bytesPerSector),
      manufacturerId: id?.manufacturerId ?? null,
      mediaTypeId: id?.mediaTypeId ?? null,
    },
    writeSpeedsKBps: speeds,
    currentWriteSpeedKBps: await currentWriteSpeed(recorder),
  };
}

/** One record of the log (a parsed line). */
export type LogRecord = { readonly event: string; readonly t: number } & Readonly<
  Record<string, unknown>
>;

export interface BurnLogOptions {
  /** Also keep every record in memory (for `--report` without `--log`). */
  readonly keep?: boolean;
}

/** The log of one run. `path` undefined: records are only kept in memory (for --report). */
export class BurnLog {
  readonly #stream: WriteStream | undefined;
  readonly #path: string | undefined;
  readonly #kept: LogRecord[] | undefined;
  readonly #t0 = performance.now();
  #error: unknown;
  /** Records made before the header, written right after it (with their own `t`). */
  #pending: LogRecord[] | undefined = [];
  #watch: CommandWatch | undefined;
  #closed = false;

  private constructor(path: string | undefined, stream: WriteStream | undefined, keep: boolean) {
    this.#path = path;
    this.#stream = stream;
    this.#kept = keep ? [] : undefined;
    stream?.on('error', (e) => {
      this.#error ??= e;
    });
  }

  /**
   * Creates (truncates) the file at `path` before anything is sent to a drive, so a log that
   * cannot be written is refused up front (STG_E_* like a source that cannot be opened).
   */
  static async open(path: string | undefined, options: BurnLogOptions = {}): Promise<BurnLog> {
    if (path === undefined) return new BurnLog(undefined, undefined, true);
    const stream = createWriteStream(path, { flags: 'w' });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    }).catch((e: unknown) => {
      throw outputFileError(path, e);
    });
    return new BurnLog(path, stream, options.keep === true);
  }

  /** Every record so far, when kept (always without a file). */
  get records(): readonly LogRecord[] {
    return this.#kept ?? [];
  }

  #t(): number {
    return Math.round((performance.now() - this.#t0) * 10) / 10;
  }

  #write(record: Record<string, unknown>): void {
    if (this.#closed) return;
    const r = { ...record, t: this.#t() } as LogRecord;
    if (this.#pending !== undefined && r.event !== 'header') this.#pending.push(r);
    else this.#put(r);
  }

  #put(r: LogRecord): void {
    this.#kept?.push(r);
    this.#stream?.write(`${JSON.stringify(r)}\n`);
  }

  /**
   * The first line (once; later calls are ignored). Records made before it follow it, so a
   * reader always finds the header first.
   */
  header(run: RunDescription, drive: DriveDescription | null): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#write({
      event: 'header',
      format: LOG_FORMAT,
      formatVersion: LOG_FORMAT_VERSION,
      discwright: DISCWRIGHT_VERSION,
      startedAt: new Date().toISOString(),
      host: {
        hostname: hostname(),
        platform: platform(),
        arch: arch(),
        release: release(),
        node: process.version,
      },
      run,
      drive: drive?.drive ?? null,
      media: drive?.media ?? null,
      writeSpeedsKBps: drive?.writeSpeedsKBps ?? [],
      currentWriteSpeedKBps: drive?.currentWriteSpeedKBps ?? null,
    });
    this.#pending = undefined;
    for (const r of pending) this.#put(r);
  }

  /** An engine update, as `--json` prints it. */
  update(args: WriteEngineEventArgs): void {
    this.#write({ event: 'update', ...args });
  }

  /** A step of the run starts (`open`, `write`, `finish`, `close`, `verify`…). */
  phase(name: string, detail: Record<string, unknown> = {}): void {
    this.#watch?.flush(); // a failed WRITE of the step before belongs before it
    this.#write({ event: 'phase', phase: name, ...detail });
  }

  /** Any other event (`event` names it). */
  event(record: { readonly event: string } & Record<string, unknown>): void {
    this.#write(record);
  }

  /** Logs retries, busy waits, speed requests and CHECK CONDITIONs until close(). */
  watchCommands(): void {
    this.#watch ??= watchTrace((e) => this.#write(e));
  }

  /** The last record: the run's result object (as `--json` prints it). */
  result(fields: Record<string, unknown>): void {
    this.#watch?.stop();
    this.#watch = undefined;
    this.#write({ event: 'result', ...fields });
  }

  /** Flushes and closes the file; rejects with what writing it failed with. */
  async close(): Promise<void> {
    this.#watch?.stop();
    this.#watch = undefined;
    if (this.#closed) return;
    this.#closed = true;
    const stream = this.#stream;
    if (stream !== undefined) {
      await new Promise<void>((resolve) => stream.end(() => resolve()));
      if (!stream.closed) await new Promise<void>((resolve) => stream.once('close', resolve));
    }
    if (this.#error !== undefined) throw outputFileError(this.#path ?? '', this.#error);
  }
}

/** A file discwright writes for the user (log, report) that cannot be written. */
export function outputFileError(path: string, e: unknown): DwError {
  const code = (e as { code?: unknown } | null)?.code;
  const hr =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? HR.E_ACCESSDENIED
      : code === 'ENOSPC'
        ? HR.ERROR_DISK_FULL
        : HR.E_FAIL;
  return new DwError(hr, {
    message: `cannot write ${path}: ${e instanceof Error ? e.message : String(e)}`,
    cause: e,
    hint: 'Give a path in a writable directory with free space.',
  });
}

/** Parses NDJSON text into records, checking each line; the first must be a burn-log header. */
export function parseLog(text: string, name = 'the log'): LogRecord[] {
  const records: LogRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      throw invalidArgument(`${name}, line ${i + 1}: not JSON`);
    }
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      throw invalidArgument(`${name}, line ${i + 1}: not a JSON object`);
    }
    const o = r as Record<string, unknown>;
    if (typeof o.event !== 'string' || typeof o.t !== 'number' || !Number.isFinite(o.t)) {
      throw invalidArgument(`${name}, line ${i + 1}: a record needs "event" and a numeric "t"`);
    }
    records.push(o as LogRecord);
  }
  const h = records[0];
  if (h?.event !== 'header' || h.format !== LOG_FORMAT) {
    throw invalidArgument(`${name} is not a discwright burn log (no header on its first line)`);
  }
  if (h.formatVersion !== LOG_FORMAT_VERSION) {
    throw invalidArgument(`${name} is a burn log of format version ${String(h.formatVersion)}`);
  }
  return records;
}
