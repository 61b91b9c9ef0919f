// What one target connection needs from its target (target.ts provides it), and the events a
// connection reports (login, logout, closed, and with `trace` each command), which `discwright
// serve` prints.

import type { ScsiResult } from '../../../scsi/command.js';
import { opcodeName } from '../../../scsi/opcodes.js';
import type { ScsiCommandPdu } from '../pdu-types.js';
import type { TargetChap } from './target-login.js';
import type { ABORTED } from './target-lun.js';
import type { TargetTask } from './target-tasks.js';
import type { Clock } from '../../clock.js';
import type { PingTimes } from './target-ping.js';

/** What a connection needs from its target. */
export interface ConnectionHost {
  readonly targetName: string;
  readonly portal: string;
  readonly lunCount: number;
  /** False when no further normal session may start. */
  admit(): boolean;
  /** CHAP every login must pass, when configured. */
  readonly chap?: TargetChap;
  /** Report each command (a `command` event). */
  readonly trace: boolean;
  /** NOP-In pings of an idle initiator, on `clock`; none when undefined. */
  readonly ping?: { readonly times: PingTimes; readonly clock: Clock };
  /**
   * Runs `p` on LUN `lun` for nexus `nexus` after every earlier command of that LUN (any
   * session); ABORTED when `task` is aborted before the drive starts it.
   */
  runOnLun(
    lun: number,
    nexus: number,
    task: TargetTask,
    p: ScsiCommandPdu,
    dataOut: Uint8Array,
  ): Promise<ScsiResult | typeof ABORTED>;
  /** CLEAR TASK SET from `nexus`: every task of `lun` aborted, in every session. */
  clearTaskSet(lun: number, nexus: number): Promise<void>;
  /** LOGICAL UNIT RESET: every task of `lun` aborted, in every session, then the unit reset. */
  resetLun(lun: number): Promise<void>;
  /** TARGET WARM RESET: every LUN reset. */
  resetTarget(): Promise<void>;
  nextTsih(): number;
  event(e: ConnectionEvent): void;
}

export type ConnectionEvent =
  | {
      kind: 'login';
      peer: string;
      initiator: string;
      sessionType: 'Normal' | 'Discovery';
      /** The I_T nexus: the session's TSIH. */
      nexus: number;
    }
  | { kind: 'logout'; peer: string; initiator: string }
  | { kind: 'closed'; peer: string; reason: string }
  | CommandTrace;

/** One command as `--trace` prints it: what was asked, and what the initiator was answered. */
export interface CommandTrace {
  readonly kind: 'command';
  readonly peer: string;
  readonly initiator: string;
  readonly lun: number | undefined;
  /** The command's name (MMC/SPC), and its CDB in hex. */
  readonly command: string;
  readonly cdb: string;
  /** SCSI status, and for CHECK CONDITION the sense key / ASC / ASCQ as `5/24/00`. */
  readonly status: number;
  readonly sense?: string;
  /** Bytes the initiator sent (Data-Out) and was sent (Data-In, before cutting at its length). */
  readonly dataOut: number;
  readonly dataIn: number;
  readonly ms: number;
}

/** The trace of `p` answered `r` after `ms` milliseconds. */
export function commandTrace(
  who: { peer: string; initiator: string; lun: number | undefined },
  p: ScsiCommandPdu,
  r: ScsiResult,
  ms: number,
): CommandTrace {
  const hex = (b: number) => b.toString(16).padStart(2, '0');
  const s = r.sense;
  const fixed = s.length > 13 && (s[0]! & 0x7f) < 0x72;
  const kcq = fixed
    ? [s[2]! & 0x0f, s[12]!, s[13]!]
    : s.length > 3
      ? [s[1]! & 0x0f, s[2]!, s[3]!]
      : [];
  return {
    kind: 'command',
    ...who,
    command: opcodeName(p.cdb[0]!),
    cdb: [...p.cdb].map(hex).join(''),
    status: r.status,
    ...(r.status === 2 && kcq.length === 3
      ? { sense: `${kcq[0]!.toString(16)}/${hex(kcq[1]!)}/${hex(kcq[2]!)}` }
      : {}),
    dataOut: p.write ? p.expectedDataTransferLength : 0,
    dataIn: r.dataIn.length,
    ms: Math.round(ms * 10) / 10,
  };
}
