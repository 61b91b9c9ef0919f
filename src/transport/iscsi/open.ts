// Opening an iSCSI transport from its address: parse, log in, hand back the session.

import { parseIscsiAddress } from './address.js';
import { IscsiTransport } from './session.js';
import type { IscsiTransportOptions } from './session-options.js';

/**
 * Opens an iSCSI transport to `iscsi://[user[%password]@]host[:port]/target-iqn/lun` and logs
 * in. Rejects with 0x80070037 when the portal or target cannot be reached, E_ACCESSDENIED when
 * CHAP fails, E_INVALIDARG for a malformed address.
 */
export async function openIscsiTransport(
  address: string,
  options: IscsiTransportOptions = {},
): Promise<IscsiTransport> {
  const target = parseIscsiAddress(address, options.env === undefined ? {} : { env: options.env });
  const transport = new IscsiTransport(target, options);
  await transport.loginWithRedirects();
  return transport;
}
