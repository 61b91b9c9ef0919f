// Why an iSCSI portal could not be reached when the initiator opens its TCP connection: name not
// resolved, connection refused or timed out, each with its own message and hint, all
// 0x80070037; anything else is a device that went away.

import { DwError, HR } from '../../errors.js';
import { TransportErrors } from '../transport.js';

export const CONNECT_TIMEOUT_HINT =
  'Check the host and port, and that a firewall lets the connection through.';

/** A portal that could not be reached: 0x80070037 with a message and hint for the cause. */
export function connectError(message: string, hint: string, cause?: unknown): DwError {
  return new DwError(HR.ERROR_DEV_NOT_EXIST, {
    message: `device not available: ${message}`,
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Tells name resolution failures and refused connections apart from a device that went away. */
export function connectFailure(
  description: string,
  host: string,
  e: NodeJS.ErrnoException,
): DwError {
  switch (e.code ?? '') {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return connectError(
        `${description}: name not resolved (${host}: ${e.code})`,
        'Check the host name (and the resolver, for a temporary failure).',
        e,
      );
    case 'ECONNREFUSED':
      return connectError(
        `${description}: connection refused`,
        'Is the target running, and is the port right (3260 by default)?',
        e,
      );
    case 'ETIMEDOUT':
      return connectError(`${description}: timed out connecting`, CONNECT_TIMEOUT_HINT, e);
    default:
      return TransportErrors.deviceGone(`${description}: ${e.message}`, e);
  }
}
