// The client name of exclusive access (IDiscRecorder2::AcquireExclusiveAccess): what other
// programs are shown as the holder (the cdrom lock, discwright's lock files).

import { DwError, HR } from '../errors.js';

/** The cdrom exclusive-lock character set: 1..63 characters (64 bytes with the NUL). */
const CLIENT_NAME = /^[A-Za-z0-9 .,:;_-]{1,63}$/;

/**
 * Rejects unless `name` is a valid client name, with `hr` (each IMAPI2 interface has its own
 * CLIENT_NAME_IS_NOT_VALID code; the recorder's by default).
 */
export function checkClientName(
  name: unknown,
  hr: number = HR.E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID,
): string {
  if (typeof name !== 'string' || !CLIENT_NAME.test(name)) {
    throw new DwError(hr, {
      message: 'clientName must be 1..63 characters of A-Z a-z 0-9 space . , : ; _ -',
    });
  }
  return name;
}

/** Exclusive access taken while a recorder opens (DiscRecorderOptions.exclusive). */
export interface ExclusiveOnOpen {
  /** Shown to other programs as the holder. */
  readonly clientName: string;
  /** Go past a holder known to be stale, or a mounted disc (acquireExclusiveAccess's force). */
  readonly force?: boolean;
}
