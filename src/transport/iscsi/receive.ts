// The receive path of an iSCSI session in full feature phase: each PDU from the target handed to
// what waits for it (the commands, the immediate requests, the logout the target asks for), target
// pings answered, Rejects matched to the PDU they refuse, and login or text PDUs refused.

import { readU32 } from '../../scsi/bytes.js';
import { TransportErrors } from '../transport.js';
import { targetRefused, type CommandRunner } from './commands.js';
import type { IscsiConnection } from './connection.js';
import type { PingEchoes } from './keep-alive.js';
import { RESERVED_TAG } from './pdu-layout.js';
import type { TargetPdu } from './pdu-types.js';
import type { ImmediateRequests } from './requests.js';
import type { Retirement } from './retirement.js';

/** What the receive path hands PDUs to. */
export interface ReceiveHost {
  readonly address: string;
  readonly commands: CommandRunner;
  readonly requests: ImmediateRequests;
  readonly retirement: Retirement;
  readonly echoes: PingEchoes;
  /** CmdSN and ExpStatSN an echo of a target ping carries. */
  sequence(): { readonly cmdSn: number; readonly expStatSn: number };
}

/** Hands `p`, received on `conn` (the session's current connection), to whoever waits for it. */
export function dispatchTargetPdu(host: ReceiveHost, conn: IscsiConnection, p: TargetPdu): void {
  switch (p.type) {
    case 'nop-in':
      if (p.targetTransferTag !== RESERVED_TAG) {
        // Target ping: answer with the same TTT and ping data, without advancing CmdSN.
        host.echoes.answer(conn, p, host.sequence());
      } else {
        host.requests.resolve(p.initiatorTaskTag, p);
      }
      return;
    case 'scsi-response':
      host.commands.onScsiResponse(p);
      return;
    case 'data-in':
      host.commands.onDataIn(p);
      return;
    case 'r2t':
      host.commands.onR2t(p);
      return;
    case 'task-management-response':
    case 'logout-response':
      host.requests.resolve(p.initiatorTaskTag, p);
      return;
    case 'async-message':
      if (host.retirement.onAsyncMessage(p) && !host.commands.inFlight)
        void host.retirement.start(conn);
      return;
    case 'reject': {
      const rejectedItt = p.data.length >= 20 ? readU32(p.data, 16) : RESERVED_TAG;
      const error = targetRefused(
        `${host.address}: the target rejected the PDU (Reject reason 0x${p.reason.toString(16)})`,
      );
      if (!host.commands.rejected(rejectedItt, error)) host.requests.reject(rejectedItt, error);
      return;
    }
    case 'login-response':
    case 'text-response':
      conn.destroy(
        TransportErrors.protocolViolation(
          `${host.address}: unexpected ${p.type} in full feature phase`,
        ),
      );
      return;
  }
}
