// Logging in to a portal that may redirect (RFC 7143 §11.13.5, Status-Class 1): open a TCP
// connection, run the login, and on a redirect close it and start over at the portal the
// target names, up to 4 redirects.

import { TransportErrors } from '../transport.js';
import type { IscsiPortal } from './address.js';
import { IscsiConnection } from './connection.js';
import { login, type LoginConfig, type LoginOutcome } from './login.js';

/** The connection of a successful login and what the login settled. */
export interface LoggedIn {
  readonly conn: IscsiConnection;
  readonly outcome: Extract<LoginOutcome, { kind: 'ok' }>;
}

/**
 * Logs in at `portal`, following redirects; `onPermanentRedirect` hears of each portal a
 * permanent redirect names (reconnects go there). Rejects with what the connect or the login
 * rejected with, or an I/O error after 4 redirects; the connections it opened are closed then.
 */
export async function loginFollowingRedirects(
  portal: IscsiPortal,
  connectTimeoutMs: number,
  config: LoginConfig,
  onPermanentRedirect: (portal: IscsiPortal) => void,
  address: string,
): Promise<LoggedIn> {
  for (let hop = 0; hop < 5; hop++) {
    const conn = await IscsiConnection.open(portal.host, portal.port, connectTimeoutMs);
    let outcome: LoginOutcome;
    try {
      outcome = await login(conn, config);
    } catch (e) {
      conn.destroy();
      throw e;
    }
    if (outcome.kind === 'ok') return { conn, outcome };
    conn.destroy();
    portal = outcome.portal;
    if (outcome.permanent) onPermanentRedirect(portal);
  }
  throw TransportErrors.io(`${address}: too many login redirects`);
}
