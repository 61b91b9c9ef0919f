// OS-level exclusive access to a Windows optical drive (IDiscRecorder2::AcquireExclusiveAccess,
// spec §4.2), the way IMAPI2 takes it:
// 1. nobody else may hold the CD-ROM class driver's lock (asked with ExclusiveAccessQueryState);
// 2. every volume of the drive (`\\.\D:`) is opened, locked (FSCTL_LOCK_VOLUME, refused while
//    files on it are open) and dismounted (FSCTL_DISMOUNT_VOLUME), and kept locked until release
//    so nothing remounts it meanwhile;
// 3. the class driver's lock (IOCTL_CDROM_EXCLUSIVE_ACCESS) is taken on the drive handle, which
//    is the CD-ROM device interface, not the volume, so no file system sits in its path.
// The class driver refuses step 3 with STATUS_INVALID_DEVICE_STATE (ERROR_BAD_COMMAND) while a
// file system is still mounted, unless CDROM_LOCK_IGNORE_VOLUME is set. That flag is set only
// when the caller forces access, and then the transport says so (a process warning and
// `ignoredVolumes`), because the mounted file system keeps its view of the disc while it is
// rewritten underneath.

import { DwError, HR } from '../../errors.js';
import type { ExclusiveAccessHooks } from '../transport.js';
import { GENERIC_READ, GENERIC_WRITE, type Handle, type Kernel32 } from './kernel32.js';
import {
  CDROM_EXCLUSIVE_LOCK_STATE_LENGTH,
  CdromLockFlag,
  ExclusiveAccessRequest,
  IoctlCode,
  decodeCdromExclusiveLockState,
  encodeCdromExclusiveAccess,
  encodeCdromExclusiveLock,
} from './layout.js';
import type { IoctlBlock } from './memory.js';
import { Win32Error, win32Error, win32ErrorName } from './status.js';

/** The warning code emitted when a forced acquire leaves a file system mounted. */
export const FORCED_OVER_FILE_SYSTEM = 'DISCWRIGHT_SPTI_FORCED_OVER_FILE_SYSTEM';

export interface ExclusiveTarget {
  /** The address the transport was opened with, for messages. */
  readonly address: string;
  /** The drive's volumes as CreateFileW paths (`\\.\D:`). */
  readonly volumePaths: readonly string[];
  /** The drive handle (the CD-ROM device interface) while it is open. */
  drive(): Handle | undefined;
}

interface VolumeFailure {
  readonly path: string;
  readonly step: 'open' | 'lock' | 'dismount';
  readonly error: number;
}

export class WindowsExclusiveAccess implements ExclusiveAccessHooks {
  #holder = '';
  #volumes: Handle[] = [];
  #ignored: string[] = [];
  readonly #k32: Kernel32;
  readonly #block: IoctlBlock;
  readonly #target: ExclusiveTarget;

  constructor(k32: Kernel32, block: IoctlBlock, target: ExclusiveTarget) {
    this.#k32 = k32;
    this.#block = block;
    this.#target = target;
  }

  /** Volumes a forced acquire left mounted (CDROM_LOCK_IGNORE_VOLUME); empty otherwise. */
  get ignoredVolumes(): readonly string[] {
    return this.#ignored;
  }

  #drive(): Handle {
    const h = this.#target.drive();
    if (h === undefined) {
      throw new DwError(HR.ERROR_INVALID_HANDLE, {
        message: `transport ${this.#target.address} is closed`,
      });
    }
    return h;
  }

  async acquire(force: boolean, clientName: string): Promise<void> {
    // The class driver keeps one owner per handle; the recorder counts nested acquires.
    if (this.#holder !== '') return;
    const drive = this.#drive();
    const other = await this.#queryOwner(drive);
    if (other !== '') throw lockedBy(this.#target.address, other);

    const failures = await this.#lockVolumes();
    let flags = 0;
    let r = await this.#lock(drive, clientName, flags);
    if (!r.ok && r.error === Win32Error.ERROR_BAD_COMMAND) {
      if (!force) {
        await this.#unlockVolumes();
        throw mountedError(this.#target, failures);
      }
      flags = CdromLockFlag.CDROM_LOCK_IGNORE_VOLUME;
      r = await this.#lock(drive, clientName, flags);
    }
    if (!r.ok) {
      await this.#unlockVolumes();
      if (r.error === Win32Error.ERROR_ACCESS_DENIED) {
        throw lockedBy(this.#target.address, (await this.#queryOwner(drive)) || 'another program');
      }
      throw win32Error(r.error, { op: 'lock', path: this.#target.address });
    }
    this.#holder = clientName;
    if (flags !== 0) {
      this.#ignored = failures.length > 0 ? failures.map((f) => f.path) : ['(no drive letter)'];
      process.emitWarning(
        `exclusive access to ${this.#target.address} was forced over a mounted file system ` +
          `(${describeFailures(failures)}); Windows keeps its view of the disc until it is ejected`,
        { code: FORCED_OVER_FILE_SYSTEM },
      );
    }
  }

  async release(): Promise<void> {
    if (this.#holder === '') return;
    this.#holder = '';
    this.#ignored = [];
    const drive = this.#target.drive();
    if (drive !== undefined) {
      await this.#block
        .call(
          drive,
          IoctlCode.IOCTL_CDROM_EXCLUSIVE_ACCESS,
          encodeCdromExclusiveAccess(ExclusiveAccessRequest.ExclusiveAccessUnlockDevice),
        )
        .catch(() => undefined);
    }
    await this.#unlockVolumes();
  }

  async owner(): Promise<string> {
    if (this.#holder !== '') return this.#holder;
    const drive = this.#target.drive();
    return drive === undefined ? '' : this.#queryOwner(drive);
  }

  /** The other holder's name, 'another program' when it gave none, '' when unlocked or unknown. */
  async #queryOwner(drive: Handle): Promise<string> {
    const r = await this.#block.call(
      drive,
      IoctlCode.IOCTL_CDROM_EXCLUSIVE_ACCESS,
      encodeCdromExclusiveAccess(ExclusiveAccessRequest.ExclusiveAccessQueryState),
      CDROM_EXCLUSIVE_LOCK_STATE_LENGTH,
    );
    if (!r.ok || r.output.length < 1) return '';
    const s = decodeCdromExclusiveLockState(r.output);
    return s.lockState ? s.callerName || 'another program' : '';
  }

  #lock(drive: Handle, clientName: string, flags: number) {
    return this.#block.call(
      drive,
      IoctlCode.IOCTL_CDROM_EXCLUSIVE_ACCESS,
      encodeCdromExclusiveLock(clientName, flags),
    );
  }

  /** Lock and dismount every volume of the drive; what failed, and why. */
  async #lockVolumes(): Promise<VolumeFailure[]> {
    const failures: VolumeFailure[] = [];
    for (const path of this.#target.volumePaths) {
      const f = await this.#lockVolume(path);
      if (f !== undefined) failures.push(f);
    }
    return failures;
  }

  async #lockVolume(path: string): Promise<VolumeFailure | undefined> {
    const opened = await this.#k32.createFile(path, GENERIC_READ | GENERIC_WRITE);
    const h = opened.value;
    if (h === undefined) {
      // No disc: nothing is mounted, and the class driver's lock will say so.
      if (opened.error === Win32Error.ERROR_NOT_READY) return undefined;
      return { path, step: 'open', error: opened.error };
    }
    const locked = await this.#block.call(h, IoctlCode.FSCTL_LOCK_VOLUME).catch(() => undefined);
    if (locked?.ok !== true) {
      this.#k32.closeHandle(h);
      return { path, step: 'lock', error: locked?.ok === false ? locked.error : 0 };
    }
    const dismounted = await this.#block
      .call(h, IoctlCode.FSCTL_DISMOUNT_VOLUME)
      .catch(() => undefined);
    if (dismounted?.ok !== true) {
      await this.#block.call(h, IoctlCode.FSCTL_UNLOCK_VOLUME).catch(() => undefined);
      this.#k32.closeHandle(h);
      return { path, step: 'dismount', error: dismounted?.ok === false ? dismounted.error : 0 };
    }
    this.#volumes.push(h);
    return undefined;
  }

  async #unlockVolumes(): Promise<void> {
    const volumes = this.#volumes;
    this.#volumes = [];
    for (const h of volumes) {
      // Closing the handle would unlock too; unlocking first lets Windows remount at once.
      await this.#block.call(h, IoctlCode.FSCTL_UNLOCK_VOLUME).catch(() => undefined);
      this.#k32.closeHandle(h);
    }
  }
}

function lockedBy(address: string, holder: string): DwError {
  return new DwError(HR.E_IMAPI_RECORDER_LOCKED, {
    message: `exclusive access to ${address} is held by '${holder}'`,
  });
}

function describeFailure(f: VolumeFailure): string {
  const why =
    f.step === 'lock' && f.error === Win32Error.ERROR_ACCESS_DENIED
      ? `files on ${f.path} are open`
      : f.step === 'open' && f.error === Win32Error.ERROR_ACCESS_DENIED
        ? `opening ${f.path} needs administrator rights`
        : `${f.step === 'open' ? 'opening' : f.step === 'lock' ? 'locking' : 'dismounting'} ${f.path} failed`;
  return why + (f.error === 0 ? '' : ` [${win32ErrorName(f.error)}]`);
}

function describeFailures(failures: readonly VolumeFailure[]): string {
  return failures.length === 0
    ? 'the volume has no drive letter to lock'
    : failures.map(describeFailure).join('; ');
}

function mountedError(target: ExclusiveTarget, failures: readonly VolumeFailure[]): DwError {
  return new DwError(HR.E_ACCESSDENIED, {
    message:
      `a file system on the disc in ${target.address} is mounted and could not be locked ` +
      `(${describeFailures(failures)})`,
    hint:
      'Close the programs and Explorer windows that use the disc, or force exclusive access ' +
      '(the file system then stays mounted while discwright writes, and discwright warns).',
  });
}
