// Recorder addresses → transports. The transport modules are loaded on demand so that a
// platform-specific one (SG_IO, SPTI) or an optional one never loads where it cannot work, and a
// missing one fails with a DwError that says what to use instead.

import { DwError, HR } from '../errors.js';
import type { Clock } from '../transport/clock.js';
import type { Transport } from '../transport/transport.js';
import { parseWindowsDriveAddress } from '../transport/spti/address.js';

export type AddressKind = 'virtual' | 'iscsi' | 'sgio' | 'spti';

export interface OpenTransportOptions {
  readonly clock?: Clock;
  /**
   * Open for inspection and reading only. The image-backed virtual drive opens its image O_RDONLY,
   * creates nothing, and refuses commands that record with E_ACCESSDENIED; other transports open
   * as they always do.
   */
  readonly readOnly?: boolean;
}

/**
 * Which transport serves an address; undefined when none does. Every path under /dev/ goes to
 * SG_IO, not only /dev/sgN and /dev/srN: udev names drives by links too (/dev/cdrom, /dev/dvd,
 * /dev/disk/by-id/…), and only the SG_IO driver can tell whether a node speaks SCSI, so a wrong
 * node fails there with "not a SCSI device" rather than here as an unknown address.
 */
export function addressKind(address: string): AddressKind | undefined {
  if (address.startsWith('virtual:')) return 'virtual';
  if (/^iscsi:\/\//i.test(address)) return 'iscsi';
  if (address.startsWith('/dev/') && address.length > '/dev/'.length) return 'sgio';
  if (parseWindowsDriveAddress(address) !== undefined) return 'spti';
  return undefined;
}

const MODULES: Record<AddressKind, { path: string; exportName: string; what: string }> = {
  virtual: {
    path: '../transport/emulated/index.js',
    exportName: 'openVirtualDrive',
    what: 'virtual drive',
  },
  iscsi: {
    path: '../transport/iscsi/index.js',
    exportName: 'openIscsiTransport',
    what: 'iSCSI transport',
  },
  sgio: {
    path: '../transport/sgio/index.js',
    exportName: 'openSgioTransport',
    what: 'Linux SG_IO transport',
  },
  spti: {
    path: '../transport/spti/index.js',
    exportName: 'openSptiTransport',
    what: 'Windows SPTI transport',
  },
};

/** Local transports exist on one platform only; elsewhere their addresses fail before loading. */
const PLATFORM_ONLY: Partial<
  Record<AddressKind, { platform: NodeJS.Platform; what: string; hint: string }>
> = {
  sgio: {
    platform: 'linux',
    what: 'a Linux device path, served by SG_IO on Linux only',
    hint: 'On Windows use a drive letter (D:) or \\\\.\\CdRomN; `discwright devices` lists the drives.',
  },
  spti: {
    platform: 'win32',
    what: 'a Windows drive address, served by SCSI pass-through (SPTI) on Windows only',
    hint: 'On Linux use /dev/srN or /dev/sgN; `discwright devices` lists the drives.',
  },
};

type Opener = (address: string, options?: OpenTransportOptions) => Promise<unknown>;

/** Load a transport module's export; a missing module or export is a clear DwError. */
export async function loadTransportModule(kind: AddressKind): Promise<Record<string, unknown>> {
  const m = MODULES[kind];
  try {
    // A variable specifier keeps the compiler from requiring modules that may not exist here.
    const specifier: string = m.path;
    return (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    throw new DwError(HR.E_NOTIMPL, {
      message: `the ${m.what} is not available in this build or on this platform (${process.platform})`,
      cause: e,
      hint: 'Use another address kind: virtual:…, iscsi://…, /dev/sgN or /dev/srN (Linux), D: or \\\\.\\CdRomN (Windows).',
    });
  }
}

function asTransport(x: unknown): Transport | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  if (typeof o.execute === 'function' && typeof o.close === 'function') return x as Transport;
  return asTransport(o.transport);
}

/** Open the transport for `address` (virtual:, iscsi://, /dev/sg*, /dev/sr*, D:, \\.\CdRomN). */
export async function openTransport(
  address: string,
  options: OpenTransportOptions = {},
): Promise<Transport> {
  if (typeof address !== 'string' || address.length === 0) {
    throw new DwError(HR.E_INVALIDARG, { message: 'a recorder address is required' });
  }
  const kind = addressKind(address);
  if (kind === undefined) {
    const looksLikeFile = address.startsWith('/') || address.startsWith('.');
    throw new DwError(HR.E_INVALIDARG, {
      message: `unknown recorder address ${JSON.stringify(address)}`,
      hint: looksLikeFile
        ? 'Local drives are device nodes under /dev/ (/dev/sr0, /dev/sg1); to use an image file as a disc, use virtual:dvd+r?image=<file>.'
        : 'Use virtual:<preset>?…, iscsi://host[:port]/iqn…/lun, /dev/sgN, /dev/srN, a drive letter or \\\\.\\CdRomN.',
    });
  }
  const only = PLATFORM_ONLY[kind];
  if (only !== undefined && process.platform !== only.platform) {
    throw new DwError(HR.E_NOTIMPL, {
      message: `'${address}' is ${only.what}; this is ${process.platform}`,
      hint: only.hint,
    });
  }
  const mod = await loadTransportModule(kind);
  const m = MODULES[kind];
  const open = mod[m.exportName];
  if (typeof open !== 'function') {
    throw new DwError(HR.E_NOTIMPL, {
      message: `the ${m.what} module does not export ${m.exportName}()`,
    });
  }
  const opened = await (open as Opener)(address, {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.readOnly === true ? { readOnly: true } : {}),
  });
  const transport = asTransport(opened);
  if (transport === undefined) {
    throw new DwError(HR.E_NOTIMPL, { message: `${m.exportName}() did not return a transport` });
  }
  return transport;
}
