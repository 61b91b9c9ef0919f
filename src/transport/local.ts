// Addresses of drives attached to this machine, and the transport that reaches them: /dev/… on
// Linux (SG_IO), drive letters and \\.\CdRomN on Windows (SPTI).

import { DwError, HR } from '../errors.js';
import type { Transport } from './transport.js';
import { openSgioTransport, type SgioOptions } from './sgio/index.js';
import { openSptiTransport, parseWindowsDriveAddress } from './spti/index.js';

/** True when `address` names a local drive (`/dev/sr0`, `/dev/sg1`, `D:`, `\\.\CdRom0`). */
export function isLocalDriveAddress(address: string): boolean {
  return address.startsWith('/dev/') || parseWindowsDriveAddress(address) !== undefined;
}

/** Open a local drive with the transport of this platform. */
export async function openLocalTransport(
  address: string,
  options: SgioOptions = {},
): Promise<Transport> {
  if (parseWindowsDriveAddress(address) !== undefined) {
    if (process.platform === 'win32') return openSptiTransport(address);
    throw new DwError(HR.E_INVALIDARG, {
      message: `'${address}' is a Windows drive address; this is ${process.platform}`,
      hint: 'On Linux use /dev/srN or /dev/sgN (see `discwright devices`).',
    });
  }
  if (address.startsWith('/')) {
    if (process.platform === 'linux') return openSgioTransport(address, options);
    throw new DwError(HR.E_NOTIMPL, {
      message: `local drive paths like ${address} are supported on Linux only (this is ${process.platform})`,
    });
  }
  throw new DwError(HR.E_INVALIDARG, { message: `'${address}' is not a local drive address` });
}
