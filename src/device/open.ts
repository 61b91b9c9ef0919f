// openRecorder / listRecorders: the IDiscMaster2 role. An address names a recorder; the matching
// transport is loaded on demand (see address.ts).

import { readdir } from 'node:fs/promises';
import { DiscRecorder, type DiscRecorderOptions } from './recorder.js';
import { loadTransportModule } from './address.js';

/**
 * Open and initialise the recorder at `address` (virtual:…, iscsi://…, /dev/sgN, /dev/srN, D:).
 * With `options.exclusive` the recorder takes exclusive access before it sends anything: a drive
 * another program holds rejects with E_IMAPI_RECORDER_LOCKED (or E_ACCESSDENIED for a mounted
 * disc) and gets no command at all.
 */
export async function openRecorder(
  address: string,
  options: DiscRecorderOptions = {},
): Promise<DiscRecorder> {
  return DiscRecorder.open(address, options);
}

/** Call a transport module's listing function; its entries carry the address as `path`. */
async function listFrom(kind: 'sgio' | 'spti', exportName: string): Promise<string[] | undefined> {
  try {
    const mod = await loadTransportModule(kind);
    const list = mod[exportName];
    if (typeof list !== 'function') return undefined;
    const entries: unknown = await (list as () => Promise<unknown>)();
    if (!Array.isArray(entries)) return undefined;
    return entries
      .map((e: unknown) => (typeof e === 'string' ? e : (e as { path?: unknown } | null)?.path))
      .filter((p): p is string => typeof p === 'string');
  } catch {
    return undefined;
  }
}

async function platformList(): Promise<string[]> {
  if (process.platform === 'linux') {
    const listed = await listFrom('sgio', 'listLocalRecorders');
    if (listed !== undefined) return listed;
    // Without the SG_IO module: the block nodes of the CD-ROM driver.
    try {
      const names = await readdir('/dev');
      return names
        .filter((n) => /^sr\d+$/.test(n))
        .sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)))
        .map((n) => `/dev/${n}`);
    } catch {
      return [];
    }
  }
  if (process.platform === 'win32') return (await listFrom('spti', 'listWindowsRecorders')) ?? [];
  return [];
}

/** Unique ids of the recorders this machine offers (virtual drives are opened by address). */
export async function listRecorders(): Promise<string[]> {
  return platformList();
}
