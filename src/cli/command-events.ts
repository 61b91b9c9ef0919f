// What the burn log (burn-log.ts) learns from the recorder's command trace (src/device/trace.ts,
// docs/tracing.md): WRITE retries with the sense that caused them, busy waits (a run of 02/04/07
// or 02/04/08 answers at one LBA ended by a WRITE the drive took), speed requests (SET STREAMING,
// SET CD SPEED) and every other command the drive answered with CHECK CONDITION. The engine
// retries a chunk by re-sending the same CDB (spec §2.4.5), so a WRITE that starts at the LBA of
// the WRITE that just failed is a retry of it; a WRITE at another LBA means the failure was not
// retried. docs/burn-log.md describes the records.

import diagnosticsChannel from 'node:diagnostics_channel';
import type { SenseSummary } from '../errors.js';
import {
  COMMAND_FINISH_CHANNEL,
  COMMAND_START_CHANNEL,
  statusName,
  type CommandTraceMessage,
} from '../device/trace.js';
import { decodeWrite10Cdb } from '../scsi/block/write-10.js';
import { decodeWrite12Cdb } from '../scsi/block/write-12.js';
import { ScsiStatus } from '../scsi/command.js';
import { Opcode } from '../scsi/opcodes.js';
import { decodeSetCdSpeedCdb } from '../scsi/mmc/set-cd-speed.js';
import { decodeSetStreamingCdb, decodeSetStreamingData } from '../scsi/mmc/set-streaming.js';

/** A sense as the log carries it: `02/04/08` plus the texts. */
export interface LoggedSense {
  readonly code: string;
  readonly keyName: string;
  readonly text: string;
}

/** The records command-events produce (each gets `event` and the log's `t`). */
export type CommandEvent =
  | {
      readonly event: 'retry';
      readonly command: string;
      readonly lba: number;
      readonly blocks: number;
      /** 2 for the first re-send, 3 for the next… */
      readonly attempt: number;
      /** The drive said it was busy (02/04/07, 02/04/08): the engine waits and re-sends. */
      readonly busy: boolean;
      /** The sense of the answer that caused this retry; null for a status without sense. */
      readonly sense: LoggedSense | null;
      readonly status: string;
    }
  | {
      readonly event: 'busy';
      readonly lba: number;
      /** Busy answers before the drive took the WRITE. */
      readonly answers: number;
      /** From the first busy answer to the WRITE the drive took. */
      readonly durationMs: number;
    }
  | {
      readonly event: 'speed';
      readonly command: string;
      /** The write speed asked of the drive, kB/s (null: the drive's maximum or unknown). */
      readonly writeSpeedKBps: number | null;
      readonly status: string;
    }
  | {
      readonly event: 'check-condition';
      readonly command: string;
      readonly sense: LoggedSense | null;
      readonly lba?: number;
      /** `REJECTED`: the transport failed the command (no status from the drive). */
      readonly status?: string;
    };

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

export function loggedSense(s: SenseSummary | undefined): LoggedSense | null {
  if (s === undefined) return null;
  return {
    code: `${hex2(s.key)}/${hex2(s.asc)}/${hex2(s.ascq)}`,
    keyName: s.keyName,
    text: s.text,
  };
}

/** NOT READY, LONG WRITE IN PROGRESS (04/08) or OPERATION IN PROGRESS (04/07). */
function isBusySense(s: SenseSummary | undefined): boolean {
  return (
    s !== undefined && s.key === 0x02 && s.asc === 0x04 && (s.ascq === 0x07 || s.ascq === 0x08)
  );
}

function writeRange(cdb: Uint8Array): { lba: number; blocks: number } | undefined {
  try {
    if (cdb[0] === Opcode.WRITE_10) {
      const d = decodeWrite10Cdb(cdb);
      return { lba: d.lba, blocks: d.transferLength };
    }
    if (cdb[0] === Opcode.WRITE_12) {
      const d = decodeWrite12Cdb(cdb);
      return { lba: d.lba, blocks: d.transferLength };
    }
  } catch {
    // A raw CDB too short for its opcode is not one of the engine's WRITEs.
  }
  return undefined;
}

function speedAsked(m: CommandTraceMessage): number | null {
  try {
    if (m.opcode === Opcode.SET_CD_SPEED) {
      const kBps = decodeSetCdSpeedCdb(m.cdb).writeSpeedKBps;
      return kBps === 0xffff ? null : kBps;
    }
    // Type 00h (performance descriptor) carries the write size and time.
    const data = m.command.dataOut;
    if (decodeSetStreamingCdb(m.cdb).type !== 0 || data === undefined) return null;
    const d = decodeSetStreamingData(data);
    return d.rdd || d.writeTimeMs === 0 ? null : Math.round((d.writeSizeKB * 1000) / d.writeTimeMs);
  } catch {
    return null;
  }
}

interface FailedWrite {
  readonly command: string;
  readonly lba: number;
  readonly sense: SenseSummary | undefined;
  readonly status: number | undefined;
  readonly attempt: number;
  /** When the first answer of a busy run came (ms, performance.now()). */
  readonly busySince: number | undefined;
  readonly busyAnswers: number;
}

/** A running watch: flush() logs a failed WRITE not retried so far; stop() flushes and ends it. */
export interface CommandWatch {
  flush(): void;
  stop(): void;
}

/**
 * Subscribes to both trace channels and calls `emit` for each event as it happens. A WRITE the
 * drive failed is logged as a retry when it is sent again; one that is not (a medium error ends
 * the section) is logged as a `check-condition` as soon as another command starts, at flush()
 * (the caller's next phase) or at stop(). Only commands traced while subscribed are seen.
 */
export function watchCommands(emit: (e: CommandEvent) => void): CommandWatch {
  let failed: FailedWrite | undefined;
  let attempt = 1;
  let retried = false;

  /** The failed WRITE was not sent again: say so once. */
  const flush = (): void => {
    if (failed !== undefined && !retried) {
      emit({
        event: 'check-condition',
        command: failed.command,
        sense: loggedSense(failed.sense),
        lba: failed.lba,
        ...(failed.status === undefined ? { status: 'REJECTED' } : {}),
      });
    }
    failed = undefined;
    retried = false;
  };

  const onStart = (message: unknown): void => {
    const m = message as CommandTraceMessage;
    const range = writeRange(m.cdb);
    if (range === undefined) {
      flush();
      return;
    }
    if (failed !== undefined && failed.lba === range.lba) {
      retried = true;
      attempt = failed.attempt + 1;
      emit({
        event: 'retry',
        command: m.name,
        lba: range.lba,
        blocks: range.blocks,
        attempt,
        busy: isBusySense(failed.sense),
        sense: loggedSense(failed.sense),
        status: failed.status === undefined ? 'REJECTED' : statusName(failed.status),
      });
    } else {
      flush();
      attempt = 1;
    }
  };

  const onFinish = (message: unknown): void => {
    const m = message as CommandTraceMessage;
    const range = writeRange(m.cdb);
    const good = m.status === ScsiStatus.GOOD;
    if (range !== undefined) {
      if (good) {
        if (failed !== undefined && failed.lba === range.lba && failed.busySince !== undefined) {
          emit({
            event: 'busy',
            lba: range.lba,
            answers: failed.busyAnswers,
            durationMs: Math.round(performance.now() - failed.busySince),
          });
        }
        failed = undefined;
        retried = false;
        return;
      }
      const busy = isBusySense(m.senseInfo);
      const sameRun = failed !== undefined && failed.lba === range.lba;
      retried = false;
      failed = {
        command: m.name,
        lba: range.lba,
        sense: m.senseInfo,
        status: m.status,
        attempt,
        busySince: busy
          ? sameRun && failed?.busySince !== undefined
            ? failed.busySince
            : performance.now()
          : undefined,
        busyAnswers: busy ? (sameRun ? (failed?.busyAnswers ?? 0) : 0) + 1 : 0,
      };
      return;
    }
    if (m.opcode === Opcode.SET_STREAMING || m.opcode === Opcode.SET_CD_SPEED) {
      emit({
        event: 'speed',
        command: m.name,
        writeSpeedKBps: speedAsked(m),
        status: m.status === undefined ? 'REJECTED' : statusName(m.status),
      });
      return;
    }
    if (m.status === ScsiStatus.CHECK_CONDITION) {
      const info = m.senseInfo?.information;
      emit({
        event: 'check-condition',
        command: m.name,
        sense: loggedSense(m.senseInfo),
        ...(info === undefined ? {} : { lba: info }),
      });
    }
  };

  diagnosticsChannel.subscribe(COMMAND_START_CHANNEL, onStart);
  diagnosticsChannel.subscribe(COMMAND_FINISH_CHANNEL, onFinish);
  return {
    flush,
    stop() {
      flush();
      diagnosticsChannel.unsubscribe(COMMAND_START_CHANNEL, onStart);
      diagnosticsChannel.unsubscribe(COMMAND_FINISH_CHANNEL, onFinish);
    },
  };
}
