// Exit status of the discwright command (the CLI's contract with scripts).

import { DwError, HR } from '../errors.js';

export const ExitCode = {
  /** Everything was written (or shown). */
  OK: 0,
  /** Device, media or source error. */
  FAILED: 1,
  /** Invalid arguments: nothing was sent to the device. */
  USAGE: 2,
  /** Cancelled by Ctrl-C (128 + SIGINT). */
  CANCELLED: 130,
} as const;

/**
 * Maps an outcome to an exit status. E_INVALIDARG / E_POINTER count as usage errors only when no
 * device answered (no sense): a drive's 5/24/00 also maps to E_INVALIDARG but is a device error.
 */
export function exitCodeFor(error: unknown): number {
  if (error === undefined) return ExitCode.OK;
  if (error instanceof DwError) {
    if (error.hr === HR.E_IMAPI_REQUEST_CANCELLED) return ExitCode.CANCELLED;
    if ((error.hr === HR.E_INVALIDARG || error.hr === HR.E_POINTER) && error.sense === undefined) {
      return ExitCode.USAGE;
    }
  }
  return ExitCode.FAILED;
}
