// OS-level exclusive access to a local drive on Linux (IDiscRecorder2::AcquireExclusiveAccess,
// spec §4.2). Two layers:
// - a lock file per drive (keyed by its SCSI address, so /dev/sr0 and /dev/sg1 of one drive share
//   it) held with flock(2): every discwright process honours it, the kernel drops it when the
//   holder dies, and the file names the holder's client;
// - O_EXCL on the block node, which the kernel grants only while nothing mounts the disc and no
//   other program (growisofs, libburn, cdrecord) holds it exclusively.

import { constants as fsc } from 'node:fs';
import { access, chmod, open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DwError, HR } from '../../errors.js';
import type { ExclusiveAccessHooks } from '../transport.js';
import { errnoError } from './errno.js';
import { Flock, type Libc } from './libc.js';
import { mountPointsOf } from './mounts.js';
import { errCode } from './sysfs.js';

export interface ExclusiveTarget {
  /** Stable per-drive key (SCSI address, else the resolved node path). */
  readonly key: string;
  /** The node the transport uses, for messages. */
  readonly path: string;
  /** The block node (/dev/srN) to open with O_EXCL and to check for mounts, when there is one. */
  readonly blockPath?: string;
}

export interface ExclusiveOptions {
  /** Directory for lock files: default /run/lock when writable, else the OS temp directory. */
  readonly lockDir?: string;
  /** Default /proc/self/mounts. */
  readonly mountsPath?: string;
}

interface Held {
  readonly lock: FileHandle;
  readonly excl: FileHandle | undefined;
  clientName: string;
}

/** What a lock file says about its holder. */
export interface LockRecord {
  readonly client: string;
  readonly pid?: number;
}

/** Parse a lock file's content (JSON written by acquire; anything else → unknown holder). */
export function parseLockRecord(text: string): LockRecord {
  try {
    const v = JSON.parse(text) as { client?: unknown; pid?: unknown };
    if (typeof v.client === 'string') {
      return { client: v.client, ...(typeof v.pid === 'number' ? { pid: v.pid } : {}) };
    }
  } catch {
    // fall through
  }
  return { client: '' };
}

/** The lock file name for a drive key: only [A-Za-z0-9._-] survive. */
export function lockFileName(key: string): string {
  return `discwright-${key.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`;
}

async function defaultLockDir(): Promise<string> {
  try {
    await access('/run/lock', fsc.W_OK);
    return '/run/lock';
  } catch {
    return tmpdir();
  }
}

export class LinuxExclusiveAccess implements ExclusiveAccessHooks {
  #held: Held | undefined;
  #lockPath: string | undefined;
  readonly #target: ExclusiveTarget;
  readonly #libc: Libc;
  readonly #options: ExclusiveOptions;

  constructor(target: ExclusiveTarget, libc: Libc, options: ExclusiveOptions = {}) {
    this.#target = target;
    this.#libc = libc;
    this.#options = options;
  }

  async #path(): Promise<string> {
    this.#lockPath ??= join(
      this.#options.lockDir ?? (await defaultLockDir()),
      lockFileName(this.#target.key),
    );
    return this.#lockPath;
  }

  /** True while this object holds the lock. */
  get isHeld(): boolean {
    return this.#held !== undefined;
  }

  async acquire(force: boolean, clientName: string): Promise<void> {
    if (this.#held !== undefined) {
      this.#held.clientName = clientName;
      await writeRecord(this.#held.lock, clientName);
      return;
    }
    const mounted =
      this.#target.blockPath === undefined
        ? []
        : mountPointsOf(this.#target.blockPath, this.#options.mountsPath);
    if (mounted.length > 0 && !force) {
      throw new DwError(HR.E_ACCESSDENIED, {
        message: `a file system on the disc in ${this.#target.blockPath} is mounted at ${mounted.join(', ')}`,
        hint: `Unmount it first (udisksctl unmount -b ${this.#target.blockPath}, or umount ${mounted[0]}), or force exclusive access.`,
      });
    }

    const lockPath = await this.#path();
    let lock: FileHandle;
    try {
      lock = await open(lockPath, fsc.O_RDWR | fsc.O_CREAT, 0o666);
      // Other users' discwright must be able to lock the same file; umask trimmed the mode.
      await chmod(lockPath, 0o666).catch(() => undefined);
    } catch (e) {
      if (errCode(e) !== 'EACCES')
        throw errnoError(errCode(e), { op: 'lock', path: lockPath, cause: e });
      // Someone else's file without group/other write: a shared flock still works read-only.
      lock = await open(lockPath, fsc.O_RDONLY);
    }
    const r = this.#libc.flock(lock.fd, Flock.LOCK_EX | Flock.LOCK_NB);
    if (r.ret < 0) {
      const holder =
        r.errno === 'EWOULDBLOCK' || r.errno === 'EAGAIN' ? await readRecord(lock) : undefined;
      await lock.close();
      if (holder !== undefined) throw lockedBy(this.#target.path, holder);
      throw errnoError(r.errno, { op: 'lock', path: lockPath });
    }

    let excl: FileHandle | undefined;
    if (this.#target.blockPath !== undefined) {
      try {
        excl = await open(this.#target.blockPath, fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_EXCL);
      } catch (e) {
        const code = errCode(e);
        // EBUSY: mounted or held O_EXCL elsewhere. With force we go on (best effort, like IMAPI2's
        // forced access); any other failure (EACCES on a root-only block node) just means the
        // kernel lock is not available to this user, and the lock file alone protects the drive.
        if (code === 'EBUSY' && !force) {
          this.#libc.flock(lock.fd, Flock.LOCK_UN);
          await lock.close();
          throw errnoError('EBUSY', { op: 'lock', path: this.#target.blockPath, cause: e });
        }
      }
    }
    await writeRecord(lock, clientName);
    this.#held = { lock, excl, clientName };
  }

  async release(): Promise<void> {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    await held.excl?.close().catch(() => undefined);
    await held.lock.truncate(0).catch(() => undefined);
    this.#libc.flock(held.lock.fd, Flock.LOCK_UN);
    await held.lock.close();
  }

  async owner(): Promise<string> {
    if (this.#held !== undefined) return this.#held.clientName;
    let fh: FileHandle;
    try {
      fh = await open(await this.#path(), fsc.O_RDONLY);
    } catch {
      return '';
    }
    try {
      const r = this.#libc.flock(fh.fd, Flock.LOCK_SH | Flock.LOCK_NB);
      if (r.ret === 0) {
        this.#libc.flock(fh.fd, Flock.LOCK_UN);
        return '';
      }
      const rec = await readRecord(fh);
      return rec.client === '' ? 'another program' : rec.client;
    } finally {
      await fh.close();
    }
  }
}

function lockedBy(path: string, holder: LockRecord): DwError {
  const who =
    holder.client === ''
      ? 'another discwright process'
      : `'${holder.client}'` + (holder.pid === undefined ? '' : ` (pid ${holder.pid})`);
  return new DwError(HR.E_IMAPI_RECORDER_LOCKED, {
    message: `exclusive access to ${path} is held by ${who}`,
  });
}

async function readRecord(fh: FileHandle): Promise<LockRecord> {
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return parseLockRecord(buf.subarray(0, bytesRead).toString('utf8'));
  } catch {
    return { client: '' };
  }
}

async function writeRecord(fh: FileHandle, clientName: string): Promise<void> {
  try {
    const text = JSON.stringify({
      client: clientName,
      pid: process.pid,
      since: new Date().toISOString(),
    });
    await fh.truncate(0);
    await fh.write(text, 0, 'utf8');
  } catch {
    // A read-only lock file (someone else's): the lock holds, only the name is not recorded.
  }
}
