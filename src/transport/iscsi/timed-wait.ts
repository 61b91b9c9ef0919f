// A bounded wait for something a peer sends: a promise settled through its waiter by whoever
// receives the answer, or rejected with a timeout error when nothing comes in time. The
// connection waits this way for a PDU in pull mode, the session for the answers to its immediate
// requests.

import { DwError, HR } from '../../errors.js';

/** Settles one wait; using it also clears the wait's timer. */
export interface Waiter<T> {
  resolve(value: T): void;
  reject(error: DwError): void;
}

/**
 * A promise for `what`, settled through the waiter handed to `register`. Unless that waiter is
 * used within `timeoutMs`, `forget` runs (to drop the waiter wherever it was registered) and the
 * promise rejects with E_IMAPI_RECORDER_COMMAND_TIMEOUT: "<description>: no <what> within …".
 */
export function timedWait<T>(
  description: string,
  what: string,
  timeoutMs: number,
  register: (waiter: Waiter<T>) => void,
  forget: () => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      forget();
      reject(
        new DwError(HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT, {
          message: `${description}: no ${what} within ${timeoutMs} ms`,
        }),
      );
    }, timeoutMs);
    register({
      resolve: (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
  });
}
