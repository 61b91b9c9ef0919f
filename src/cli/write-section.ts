// `discwright write-section <recorder> <source|-> --lba <n> …`: IWriteEngine2::WriteSection from
// the command line. Arguments and the source are checked before the recorder is opened. After the
// section, whichever way it ended, the drive's cache is flushed (SYNCHRONIZE CACHE) and the drive
// is asked what it recorded (section-report.ts), so exit status 0 means the data reached the
// medium and the reported last written LBA is the drive's. Tracks and sessions are left open, as
// the engine leaves them. The recorder is opened with exclusive access, taken before any command
// is sent, and released when the command ends, whichever way it ends; a failed close is reported.

import { stat } from 'node:fs/promises';
import { DwError, HR, invalidArgument } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import type { BlockSource } from '../engine/index.js';
import { MAX_INT32 } from './args.js';
import { errorReport, jsonResult } from './format.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { println, type CliIo } from './io.js';
import { progressMode } from './progress.js';
import { openCliRecorder } from './open-recorder.js';
import { Interrupt, mediaFamily, runSection, type SectionParameters } from './section.js';
import { RunRecord } from './run-record.js';
import type { RunDescription } from './burn-log.js';
import {
  closeRecorder,
  errorFields,
  finishSection,
  reportSection,
  resultObject,
} from './section-report.js';

export interface WriteSectionOptions {
  readonly lba: number;
  readonly blocks?: number;
  readonly sectorSize: number;
  readonly write12?: boolean;
  readonly startSpeed?: number;
  readonly endSpeed?: number;
  readonly buffer?: number;
  /** `--queue-depth`, `--max-transfer` (WriteEngine.queueDepth, maxTransferSize). */
  readonly queueDepth?: number;
  readonly maxTransfer?: number;
  readonly json?: boolean;
  /** Go past a holder of the drive known to be stale (acquireExclusiveAccess force). */
  readonly force?: boolean;
  /** `--log <file>`: the burn log (run-record.ts). */
  readonly log?: string;
  /** `--report <file.html>`: the report, written at the end. */
  readonly report?: string;
}

/** The holder other programs see while write-section has the drive. */
export const WRITE_SECTION_CLIENT = 'discwright write-section';

interface ResolvedSource {
  readonly source: BlockSource;
  readonly blocks: number;
}

function sourceOpenError(path: string, e: unknown): DwError {
  const code = (e as { code?: unknown } | null)?.code;
  const hr =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? HR.STG_E_FILENOTFOUND
      : code === 'EACCES' || code === 'EPERM'
        ? HR.STG_E_ACCESSDENIED
        : HR.STG_E_READFAULT;
  return new DwError(hr, {
    message: `cannot use source ${path}: ${e instanceof Error ? e.message : String(e)}`,
    cause: e,
  });
}

/** The source and the block count, decided before any device is touched. */
export async function resolveSource(
  io: CliIo,
  path: string,
  o: Pick<WriteSectionOptions, 'blocks' | 'sectorSize'>,
): Promise<ResolvedSource> {
  if (path === '-') {
    if (o.blocks === undefined) {
      throw invalidArgument('--blocks is required when the source is standard input (-)');
    }
    return { source: io.stdin, blocks: o.blocks };
  }
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw sourceOpenError(path, e);
  }
  if (st.isDirectory()) throw invalidArgument(`source ${path} is a directory`);
  if (!st.isFile()) {
    // Pipes and devices have no size to derive the block count from.
    if (o.blocks === undefined) {
      throw invalidArgument(`--blocks is required for ${path}, which is not a regular file`);
    }
    return { source: path, blocks: o.blocks };
  }
  const size = st.size;
  if (o.blocks === undefined) {
    if (size === 0) throw invalidArgument(`source ${path} is empty`);
    if (size % o.sectorSize !== 0) {
      throw invalidArgument(
        `source ${path} has ${size} bytes, not a multiple of the ${o.sectorSize}-byte sector size` +
          ` (${size % o.sectorSize} bytes left over); pad it or pass --blocks`,
      );
    }
    const blocks = size / o.sectorSize;
    if (blocks > MAX_INT32) throw invalidArgument(`source ${path} holds more than 2^31-1 blocks`);
    return { source: path, blocks };
  }
  if (o.blocks * o.sectorSize > size) {
    throw invalidArgument(
      `--blocks ${o.blocks} needs ${o.blocks * o.sectorSize} bytes but ${path} has only ${size}`,
    );
  }
  return { source: path, blocks: o.blocks };
}

/** Runs the command; returns the exit status. */
export async function writeSectionCommand(
  io: CliIo,
  address: string,
  sourcePath: string,
  o: WriteSectionOptions,
): Promise<number> {
  const json = o.json === true;
  let params: SectionParameters | undefined;
  const interrupt = new Interrupt(io);
  let recorder: DiscRecorder | undefined;
  let source: BlockSource;
  let record: RunRecord | undefined;
  const run = (): RunDescription => ({
    command: 'write-section',
    address,
    ...(params === undefined
      ? {}
      : {
          section: {
            lba: params.lba,
            blocks: params.blocks,
            bytesPerSector: params.bytesPerSector,
          },
        }),
    requested: {
      startSectorsPerSecond: o.startSpeed ?? null,
      endSectorsPerSecond: o.endSpeed ?? null,
    },
  });
  try {
    const resolved = await resolveSource(io, sourcePath, o);
    source = resolved.source;
    const blocks = resolved.blocks;
    if (o.lba + blocks - 1 > MAX_INT32) {
      throw invalidArgument(
        `LBA ${o.lba} + ${blocks} blocks runs past LBA 2147483647 (the last LBA must fit in 32 bits)`,
      );
    }
    params = {
      lba: o.lba,
      blocks,
      bytesPerSector: o.sectorSize,
      ...(o.write12 === true ? { write12: true } : {}),
      ...(o.startSpeed === undefined ? {} : { startSpeed: o.startSpeed }),
      ...(o.endSpeed === undefined ? {} : { endSpeed: o.endSpeed }),
      ...(o.buffer === undefined ? {} : { hostBufferSize: o.buffer }),
      ...(o.queueDepth === undefined ? {} : { queueDepth: o.queueDepth }),
      ...(o.maxTransfer === undefined ? {} : { maxTransferSize: o.maxTransfer }),
    };
    interrupt.check();
    record = await RunRecord.open({
      log: o.log,
      report: o.report,
      sparkline: progressMode(io.stdout, json) === 'tty',
    });
    record.phase('open');
    recorder = await openCliRecorder(
      address,
      { exclusive: { clientName: WRITE_SECTION_CLIENT, force: o.force === true } },
      io.virtualFaults,
    );
    interrupt.check();
    await record.started(recorder, run());
  } catch (e) {
    // Nothing was written: the failure came before the section started.
    const closeError = await closeRecorder(recorder);
    interrupt.dispose();
    {
      const figures = {
        lastWrittenLba: o.lba - 1,
        blocksWritten: 0,
        ...(params === undefined
          ? {}
          : {
              startLba: params.lba,
              sectorCount: params.blocks,
              bytesPerSector: params.bytesPerSector,
            }),
        ...(closeError === undefined ? {} : { closeError: errorFields(closeError) }),
      };
      const result = jsonResult(e, figures);
      if (json) println(io.stdout, JSON.stringify(result));
      await record?.finish(io, result, run());
    }
    println(io.stderr, errorReport(e));
    if (closeError !== undefined) {
      println(io.stderr, `closing the drive failed: ${errorReport(closeError)}`);
      return ExitCode.FAILED;
    }
    return exitCodeFor(e);
  }
  const family = await mediaFamily(recorder);
  record.phase('write');
  // A second Ctrl-C stops this wait, not the questions to the drive nor its close after it.
  const outcome = await interrupt.unlessAbandoned(
    runSection(
      recorder,
      source,
      params,
      { io, mode: progressMode(io.stdout, json), family, onUpdate: (a) => record.update(a) },
      interrupt,
    ),
  );
  // After the close, so a close that fails is part of the result.
  record.phase('finish');
  const report = await finishSection(recorder, params, outcome);
  interrupt.dispose();
  const code = reportSection(io, json, params, report);
  await record.finish(io, resultObject(params, report));
  return code;
}
