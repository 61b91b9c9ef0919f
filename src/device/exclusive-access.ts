// Exclusive access and media-change notification of one recorder (spec §4.2): both
// reference-counted; the transport's OS-level hooks are called at the first and the last
// reference only. A transport without the hooks leaves just the counts.

import { DwError, HR } from '../errors.js';
import type { Transport } from '../transport/transport.js';
import { checkBool } from './arguments.js';
import { checkClientName, type ExclusiveOnOpen } from './client-name.js';

export class AccessHolds {
  #exclusiveCount = 0;
  #exclusiveOwner = '';
  #mcnDisabled = 0;

  get exclusiveCount(): number {
    return this.#exclusiveCount;
  }

  get mcnDisabledCount(): number {
    return this.#mcnDisabled;
  }

  /** The lock a recorder takes while it opens, before any command (DiscRecorderOptions). */
  async acquireOnOpen(t: Transport, ex: ExclusiveOnOpen): Promise<void> {
    await t.exclusiveAccess?.acquire(ex.force ?? false, checkClientName(ex.clientName));
    this.#exclusiveCount = 1;
    this.#exclusiveOwner = ex.clientName;
  }

  /** IDiscRecorder2::AcquireExclusiveAccess. Held under another client name → E_ACCESSDENIED. */
  async acquire(t: Transport, force: boolean, clientName: string): Promise<void> {
    checkBool(force, 'force');
    checkClientName(clientName);
    if (this.#exclusiveCount > 0) {
      if (this.#exclusiveOwner !== clientName) {
        throw new DwError(HR.E_ACCESSDENIED, {
          message: `exclusive access is held by ${JSON.stringify(this.#exclusiveOwner)}`,
        });
      }
      this.#exclusiveCount++;
      return;
    }
    await t.exclusiveAccess?.acquire(force, clientName);
    this.#exclusiveCount = 1;
    this.#exclusiveOwner = clientName;
  }

  /** IDiscRecorder2::ReleaseExclusiveAccess: frees the lock at count 0; surplus calls are no-ops. */
  async release(t: Transport): Promise<void> {
    if (this.#exclusiveCount === 0) return;
    this.#exclusiveCount--;
    if (this.#exclusiveCount > 0) return;
    this.#exclusiveOwner = '';
    await t.exclusiveAccess?.release();
  }

  /** IDiscRecorder2::ExclusiveAccessOwner: this recorder's client, the OS's holder, or ''. */
  async owner(t: Transport): Promise<string> {
    if (this.#exclusiveCount > 0) return this.#exclusiveOwner;
    return (await t.exclusiveAccess?.owner()) ?? '';
  }

  /** IDiscRecorder2::DisableMcn. */
  async disableMcn(t: Transport): Promise<void> {
    if (this.#mcnDisabled === 0) await t.setMediaChangeNotification?.(false);
    this.#mcnDisabled++;
  }

  /** IDiscRecorder2::EnableMcn. */
  async enableMcn(t: Transport): Promise<void> {
    if (this.#mcnDisabled === 0) return;
    this.#mcnDisabled--;
    if (this.#mcnDisabled === 0) await t.setMediaChangeNotification?.(true);
  }

  /** Lets go of everything still held (close, a failed open); the hooks' failures are ignored. */
  async releaseAll(t: Transport): Promise<void> {
    if (this.#exclusiveCount > 0) {
      this.#exclusiveCount = 0;
      this.#exclusiveOwner = '';
      await t.exclusiveAccess?.release().catch(() => undefined);
    }
    if (this.#mcnDisabled > 0) {
      this.#mcnDisabled = 0;
      await t.setMediaChangeNotification?.(true).catch(() => undefined);
    }
  }
}
