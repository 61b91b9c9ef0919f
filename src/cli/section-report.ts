// The end of a section in the CLI (write-section and demo): the drive is asked what it recorded
// (drive-record.ts), closed with its failure kept, and only then is the result reported, as text
// and as the JSON result object, so a failed close is part of the result (issue #15). The other
// commands report a failed close with closeRecorder(), afterClose() and closeFields(). The figures
// "last written LBA" and "blocks written" are the drive's; without its confirmation they are
// null and the report says so.

import { DwError, HR, formatHr } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import { askDrive, type DriveRecord } from './drive-record.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { errorReport, formatDuration, formatMB, jsonResult } from './format.js';
import { println, type CliIo } from './io.js';
import type { Interrupt, SectionOutcome, SectionParameters } from './section.js';

/** Everything the final report is made of. */
export interface SectionReport {
  /** The engine's outcome; undefined when a second Ctrl-C stopped waiting for it. */
  readonly outcome: SectionOutcome | undefined;
  readonly drive: DriveRecord;
  /** What closing the recorder failed with (the drive's cache or layout may be lost). */
  readonly closeError: unknown;
}

/** Closes the recorder; returns what it failed with (undefined when it closed cleanly). */
export async function closeRecorder(recorder: DiscRecorder | undefined): Promise<unknown> {
  try {
    await recorder?.close();
    return undefined;
  } catch (e) {
    return e ?? new DwError(HR.E_FAIL, { message: 'closing the recorder failed' });
  }
}

/**
 * The exit status once the close is known, for commands other than a section's: a command that
 * went well or was cancelled fails (1) when the close failed, since the drive's cache or layout,
 * which a cancel's report counts on, may be lost (as reportSection); an earlier failure keeps its
 * status. The failed close is printed on stderr (`tag` first).
 */
export function afterClose(io: CliIo, code: number, closeError: unknown, tag = ''): number {
  if (closeError === undefined) return code;
  println(io.stderr, `${tag}closing the drive failed: ${errorReport(closeError)}`);
  return code === ExitCode.OK || code === ExitCode.CANCELLED ? ExitCode.FAILED : code;
}

/**
 * The end of a command that holds a drive: closes it, then prints the JSON result (a failed close
 * part of it, since the drive's cache or layout may be lost) and returns the exit status.
 */
export async function closeThenReport(
  io: CliIo,
  recorder: DiscRecorder | undefined,
  interrupt: Interrupt,
  json: boolean,
  error: unknown,
  figures: Record<string, unknown>,
  onResult?: (result: Record<string, unknown>) => Promise<void>,
): Promise<number> {
  const closeError = await closeRecorder(recorder);
  interrupt.dispose();
  const result = jsonResult(error ?? closeError, { ...figures, ...closeFields(closeError) });
  if (json) println(io.stdout, JSON.stringify(result));
  // The burn log's result (burn --log): the same object, a failed close included.
  await onResult?.(result);
  return afterClose(io, exitCodeFor(error), closeError);
}

/** A failed close as a field of the JSON result object (`closeError`, as write-section's). */
export function closeFields(closeError: unknown): Record<string, unknown> {
  return closeError === undefined ? {} : { closeError: errorFields(closeError) };
}

const cancelledWaiting = (): DwError =>
  new DwError(HR.E_IMAPI_REQUEST_CANCELLED, {
    message: 'interrupted: a second Ctrl-C stopped waiting for the write to wind down',
  });

/**
 * After the section: asks the drive what it recorded, then closes it. `outcome` undefined: a
 * second Ctrl-C stopped waiting for the engine (the drive is asked all the same; its commands
 * queue behind the one the engine may still have in flight).
 */
export async function finishSection(
  recorder: DiscRecorder,
  p: SectionParameters,
  outcome: SectionOutcome | undefined,
): Promise<SectionReport> {
  const drive = await askDrive(recorder, p, outcome?.blocksWritten ?? 0);
  const closeError = await closeRecorder(recorder);
  return { outcome, drive, closeError };
}

/** The error the result reports first: the section's, else the drive's, else the close's. */
export function primaryError(r: SectionReport): unknown {
  const sectionError = r.outcome === undefined ? cancelledWaiting() : r.outcome.error;
  if (sectionError !== undefined) return sectionError;
  if (r.drive.unconfirmed !== undefined) return r.drive.unconfirmed;
  return r.closeError;
}

/** An error as JSON fields: its HRESULT, name and message. */
export function errorFields(e: unknown): Record<string, unknown> {
  if (e instanceof DwError) return { hresult: formatHr(e.hr), code: e.code, message: e.message };
  return { hresult: formatHr(0x80004005), code: 'E_FAIL', message: String(e) };
}

/** Figures of the JSON result object (null: not confirmed by the drive). */
export function sectionFigures(
  p: SectionParameters,
  r: SectionReport,
  error: unknown,
): Record<string, unknown> {
  const written = r.drive.blocksWritten;
  const last = r.outcome?.last;
  return {
    lastWrittenLba: written === undefined ? null : p.lba + written - 1,
    blocksWritten: written ?? null,
    blocksAcknowledged: r.outcome?.blocksWritten ?? null,
    confirmedBy: r.drive.confirmedBy ?? null,
    ...(r.drive.nextWritableAddress === undefined
      ? {}
      : { nextWritableAddress: r.drive.nextWritableAddress }),
    ...(r.drive.unconfirmed === undefined || r.drive.unconfirmed === error
      ? {}
      : { unconfirmedBecause: errorFields(r.drive.unconfirmed) }),
    // Also when it is the error reported first: a script checks one field for a failed close.
    ...(r.closeError === undefined ? {} : { closeError: errorFields(r.closeError) }),
    startLba: p.lba,
    sectorCount: p.blocks,
    bytesPerSector: p.bytesPerSector,
    elapsedMs: Math.round(last?.elapsedMs ?? 0),
    averageBytesPerSecond: Math.round(last?.averageBytesPerSecond ?? 0),
  };
}

/** What the text report says was written, and on whose word. */
function writtenText(p: SectionParameters, r: SectionReport): string {
  const d = r.drive;
  if (d.blocksWritten === undefined) {
    const why = d.unconfirmed instanceof DwError ? d.unconfirmed.code : 'no answer';
    const acknowledged = r.outcome?.blocksWritten;
    const ack =
      acknowledged === undefined
        ? 'it accepted an unknown number of blocks'
        : `it acknowledged ${acknowledged} of ${p.blocks} blocks`;
    return (
      `last written LBA unknown: the drive did not confirm what reached the disc` +
      ` (SYNCHRONIZE CACHE: ${why}; ${ack}); check with \`discwright info\` and read the blocks back`
    );
  }
  const lba = d.blocksWritten > 0 ? String(p.lba + d.blocksWritten - 1) : 'none';
  const how =
    d.confirmedBy === 'track-information'
      ? `the drive's next writable address is ${d.nextWritableAddress} after SYNCHRONIZE CACHE`
      : 'the drive acknowledged them and SYNCHRONIZE CACHE confirmed them';
  return `last written LBA ${lba} (${d.blocksWritten} of ${p.blocks} blocks written); ${how}`;
}

/** The line of a section the engine wrote completely. */
export function wroteText(p: SectionParameters, outcome: SectionOutcome | undefined): string {
  const bytes = p.blocks * p.bytesPerSector;
  const ms = outcome?.last?.elapsedMs ?? 0;
  const rate = ms > 0 ? ` at ${((bytes * 1000) / ms / 1e6).toFixed(1)} MB/s` : '';
  return (
    `wrote ${p.blocks} blocks (${formatMB(bytes)}) to LBA ${p.lba}..${p.lba + p.blocks - 1}` +
    ` in ${formatDuration(ms)}${rate}`
  );
}

/** The JSON result object of a section (what --json prints last, and the burn log's result). */
export function resultObject(
  p: SectionParameters,
  r: SectionReport,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const error = primaryError(r);
  const figures = sectionFigures(p, r, error);
  // The cancel's stock hint promises the blocks stay; without the drive's word it cannot.
  const hint =
    r.drive.blocksWritten === undefined && error instanceof DwError
      ? {
          hint: 'The drive did not confirm what it recorded: check the disc with `discwright info`.',
        }
      : {};
  return jsonResult(error, { ...figures, ...hint, ...extra });
}

/**
 * Prints the result (the JSON result object on stdout with --json; errors always also as a
 * report on stderr) and returns the exit status: a failed close makes it 1 whatever else
 * happened, since the drive's cache or layout may not have been kept.
 */
export function reportSection(
  io: CliIo,
  json: boolean,
  p: SectionParameters,
  r: SectionReport,
  extra: Record<string, unknown> = {},
): number {
  const error = primaryError(r);
  let code = exitCodeFor(error);
  if (r.closeError !== undefined && code !== ExitCode.FAILED) code = ExitCode.FAILED;
  if (json) println(io.stdout, JSON.stringify(resultObject(p, r, extra)));
  const closeText =
    r.closeError === undefined
      ? undefined
      : r.closeError === error
        ? 'closing the drive failed with that error too'
        : `closing the drive failed: ${errorReport(r.closeError)}`;
  if (error === undefined) {
    if (!json) println(io.stdout, wroteText(p, r.outcome));
    return code;
  }
  if (exitCodeFor(error) === ExitCode.CANCELLED) {
    if (r.outcome === undefined) println(io.stderr, (error as DwError).message);
    println(io.stderr, `cancelled: ${writtenText(p, r)}`);
  } else {
    println(io.stderr, errorReport(error));
    println(io.stderr, writtenText(p, r));
  }
  if (closeText !== undefined) println(io.stderr, closeText);
  return code;
}
