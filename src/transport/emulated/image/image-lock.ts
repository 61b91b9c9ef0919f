// Exclusive access to an image-backed virtual disc across processes: the virtual drive's
// IDiscRecorder2::AcquireExclusiveAccess. Two discwright processes burning one image file are the
// same hazard as two burners on one drive, and plain Node has no flock(2), so the lock is a file
// next to the image, `<image>.lock`, holding JSON {client, pid, host, since}:
// - it comes into being complete and at once (written aside, then hard-linked into place; where
//   the file system has no hard links, created with O_CREAT|O_EXCL and then written), so only
//   one process can hold it and a reader never sees half a record;
// - a holder whose process is gone (same host, PID not running) is stale and is reclaimed, as the
//   kernel drops a dead holder's flock on a real drive;
// - a holder that cannot be checked (a record that does not parse, another host) is taken only
//   with `force`; a running holder never is;
// - removal of a stale lock happens under a second lock, `<image>.lock.reclaim`, and only while
//   the file still holds the record judged stale, so two reclaimers cannot remove each other's
//   fresh lock.

import { link, open, readFile, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DwError, HR } from '../../../errors.js';
import type { ExclusiveAccessHooks } from '../../transport.js';

/** What a lock file says about its holder. */
export interface LockHolder {
  /** The client name ('' when the record does not say). */
  readonly client: string;
  readonly pid?: number;
  readonly host?: string;
  /** ISO time the lock was taken. */
  readonly since?: string;
}

/** running: the holder's process exists; gone: it does not; unknown: it cannot be checked. */
export type HolderState = 'running' | 'gone' | 'unknown';

/** Whether a process is running on this host (signal 0 checks without sending anything). */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Parses a lock record; anything that is not one gives an unnamed holder. */
export function parseLockHolder(text: string): LockHolder {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v.client === 'string') {
      return {
        client: v.client,
        ...(Number.isSafeInteger(v.pid) && (v.pid as number) > 0 ? { pid: v.pid as number } : {}),
        ...(typeof v.host === 'string' ? { host: v.host } : {}),
        ...(typeof v.since === 'string' ? { since: v.since } : {}),
      };
    }
  } catch {
    // not a record
  }
  return { client: '' };
}

/** Judges a holder on this host. */
export function holderState(h: LockHolder, running = processRunning): HolderState {
  if (h.pid === undefined || h.host === undefined || h.host !== hostname()) return 'unknown';
  if (h.pid === process.pid) return 'running';
  return running(h.pid) ? 'running' : 'gone';
}

export function lockPathOf(image: string): string {
  return `${image}.lock`;
}

function describeHolder(h: LockHolder): string {
  const who = h.client === '' ? 'an unnamed holder' : `'${h.client}'`;
  const details = [
    ...(h.pid === undefined ? [] : [`pid ${h.pid}`]),
    ...(h.host === undefined || h.host === hostname() ? [] : [`on host ${h.host}`]),
    ...(h.since === undefined ? [] : [`since ${h.since}`]),
  ];
  return details.length === 0 ? who : `${who} (${details.join(', ')})`;
}

/** E_IMAPI_RECORDER_LOCKED naming the holder, with what to do about it. */
export function imageLockedError(
  image: string,
  lock: string,
  h: LockHolder,
  state: HolderState,
): DwError {
  const hint =
    state === 'running'
      ? `Wait for that process to finish, or stop it. Forcing does not take a lock from a running process: if PID ${h.pid ?? '?'} is not a discwright process (its number was reused), delete ${lock}.`
      : `If no program is using the image, force exclusive access (--force on the command line) or delete ${lock}.`;
  const holder =
    state === 'running' ? describeHolder(h) : `${describeHolder(h)}, which cannot be checked`;
  return new DwError(HR.E_IMAPI_RECORDER_LOCKED, {
    message: `exclusive access to the virtual disc ${image} is held by ${holder}; lock file ${lock}`,
    hint,
  });
}

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** Creates `path` holding `text`, complete, or returns false when it exists. */
async function createComplete(path: string, text: string): Promise<boolean> {
  const aside = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(aside, text, { mode: 0o644 });
  try {
    await link(aside, path);
    return true;
  } catch (e) {
    const code = errCode(e);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw e;
  } finally {
    await unlink(aside).catch(() => undefined);
  }
  // No hard links here: exclusive create, then the record (a reader may see it empty briefly).
  let fh;
  try {
    fh = await open(path, 'wx', 0o644);
  } catch (e) {
    if (errCode(e) === 'EEXIST') return false;
    throw e;
  }
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
  return true;
}

/** Removes `path` when it still holds `text`; false when another reclaimer is at work. */
async function removeIfUnchanged(path: string, text: string, force: boolean): Promise<boolean> {
  const guard = `${path}.reclaim`;
  if (!(await createComplete(guard, record('reclaim')))) {
    const g = await readText(guard);
    const state = g === undefined ? 'gone' : holderState(parseLockHolder(g));
    // A reclaimer that died inside these few steps left its guard: clear it and retry.
    if (state === 'gone' || (state === 'unknown' && force)) await unlink(guard).catch(() => {});
    return false;
  }
  try {
    if ((await readText(path)) === text) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
  return true;
}

function record(client: string): string {
  return JSON.stringify({
    client,
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
  });
}

const ATTEMPTS = 20;

/** The lock file of one image, as one drive holds it. */
export class ImageLock implements ExclusiveAccessHooks {
  readonly #image: string;
  #path: string | undefined;
  #held: { client: string; text: string } | undefined;

  constructor(image: string) {
    this.#image = image;
  }

  /** The lock file next to the image (through symbolic links, so every alias shares it). */
  async path(): Promise<string> {
    if (this.#path === undefined) {
      const real = await realpath(this.#image).catch(() => resolve(this.#image));
      this.#path = lockPathOf(real);
    }
    return this.#path;
  }

  get isHeld(): boolean {
    return this.#held !== undefined;
  }

  async acquire(force: boolean, clientName: string): Promise<void> {
    const path = await this.path();
    if (this.#held !== undefined) {
      // A new client name for the lock this drive holds: replaced whole, never seen half-written.
      const text = record(clientName);
      const aside = `${path}.${process.pid}.tmp`;
      await writeFile(aside, text, { mode: 0o644 });
      await rename(aside, path);
      this.#held = { client: clientName, text };
      return;
    }
    let last: { holder: LockHolder; state: HolderState } | undefined;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const text = record(clientName);
      if (await createComplete(path, text)) {
        this.#held = { client: clientName, text };
        return;
      }
      const seen = await readText(path);
      if (seen === undefined) continue; // released in between
      const holder = parseLockHolder(seen);
      const state = holderState(holder);
      last = { holder, state };
      if (state === 'running' || (state === 'unknown' && !force)) {
        throw imageLockedError(this.#image, path, holder, state);
      }
      // Stale (its process is gone), or unknown and forced: remove it and try again.
      if (!(await removeIfUnchanged(path, seen, force))) await delay(5);
    }
    throw imageLockedError(
      this.#image,
      path,
      last?.holder ?? { client: '' },
      last?.state ?? 'unknown',
    );
  }

  async release(): Promise<void> {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    const path = await this.path();
    // Only our own record: a lock forced away from us belongs to someone else now.
    if ((await readText(path).catch(() => undefined)) === held.text) {
      await unlink(path).catch(() => undefined);
    }
  }

  async owner(): Promise<string> {
    if (this.#held !== undefined) return this.#held.client;
    const text = await readText(await this.path()).catch(() => undefined);
    if (text === undefined) return '';
    const holder = parseLockHolder(text);
    if (holderState(holder) === 'gone') return '';
    return holder.client === '' ? 'another program' : holder.client;
  }
}

/**
 * Exclusive access to an in-memory virtual drive: nothing outside this drive object can reach
 * its disc, so the lock only remembers its client (owner()).
 */
export class DriveLock implements ExclusiveAccessHooks {
  #client = '';

  acquire(_force: boolean, clientName: string): Promise<void> {
    this.#client = clientName;
    return Promise.resolve();
  }

  release(): Promise<void> {
    this.#client = '';
    return Promise.resolve();
  }

  owner(): Promise<string> {
    return Promise.resolve(this.#client);
  }
}
