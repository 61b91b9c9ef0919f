// What one target connection needs from its target (target.ts provides it), and the events a
// connection reports (login, logout, closed), which `discwright serve` prints.

import type { ScsiResult } from '../../../scsi/command.js';
import type { ScsiCommandPdu } from '../pdu-types.js';
import type { TargetChap } from './target-login.js';
import type { ABORTED } from './target-lun.js';
import type { TargetTask } from './target-tasks.js';

/** What a connection needs from its target. */
export interface ConnectionHost {
  readonly targetName: string;
  readonly portal: string;
  readonly lunCount: number;
  /** False when no further normal session may start. */
  admit(): boolean;
  /** CHAP every login must pass, when configured. */
  readonly chap?: TargetChap;
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
  | { kind: 'closed'; peer: string; reason: string };
