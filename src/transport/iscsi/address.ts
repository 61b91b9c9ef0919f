// iSCSI addresses in the form libiscsi and QEMU use:
//   iscsi://[<user>[%<password>]@]<host>[:<port>]/<target-iqn>/<lun>[?target_user=…&target_password=…]
// Passwords may instead come from the environment so they stay out of process lists and shell
// history. Pure apart from reading the environment object it is given.

import { invalidArgument } from '../../errors.js';

export const ISCSI_DEFAULT_PORT = 3260;

/** Environment variable holding the initiator's CHAP secret when the address has none. */
export const ENV_PASSWORD = 'DISCWRIGHT_ISCSI_PASSWORD';
/** Environment variable holding the target's (mutual CHAP) secret when the address has none. */
export const ENV_TARGET_PASSWORD = 'DISCWRIGHT_ISCSI_TARGET_PASSWORD';

export interface IscsiPortal {
  readonly host: string;
  readonly port: number;
}

export interface IscsiCredentials {
  /** CHAP user the initiator authenticates as. */
  readonly user: string;
  readonly password: string;
  /** Mutual CHAP: the name and secret the target must prove. */
  readonly targetUser?: string;
  readonly targetPassword?: string;
}

export interface IscsiAddress extends IscsiPortal {
  readonly targetName: string;
  readonly lun: number;
  readonly credentials?: IscsiCredentials;
}

export interface ParseAddressOptions {
  /** Where passwords missing from the address are looked up (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function parseHostPort(text: string, what: string): IscsiPortal {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw invalidArgument(`${what}: unterminated IPv6 address in ${text}`);
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw invalidArgument(`${what}: bad portal ${text}`);
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(':') !== colon) {
      throw invalidArgument(`${what}: IPv6 addresses must be in brackets: ${text}`);
    }
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (host === '') throw invalidArgument(`${what}: missing host`);
  let port = ISCSI_DEFAULT_PORT;
  if (portText !== undefined) {
    port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) throw invalidArgument(`${what}: bad port ${portText}`);
  }
  return { host, port };
}

/**
 * Parses `iscsi://[user[%password]@]host[:port]/target-iqn/lun`. A user without a password
 * takes it from DISCWRIGHT_ISCSI_PASSWORD; `?target_user=` without `target_password` takes
 * it from DISCWRIGHT_ISCSI_TARGET_PASSWORD. Throws E_INVALIDARG for anything malformed.
 */
export function parseIscsiAddress(
  address: string,
  options: ParseAddressOptions = {},
): IscsiAddress {
  const env = options.env ?? process.env;
  const what = 'iSCSI address';
  const m = /^iscsi:\/\/([^/?#]*)\/([^/?#]+)\/([^/?#]+)\/?(?:\?([^#]*))?$/i.exec(address);
  if (m === null) {
    throw invalidArgument(`${what} must look like iscsi://[user[%password]@]host[:port]/iqn/lun`);
  }
  const [, authority = '', targetName = '', lunText = '', query] = m;
  const at = authority.lastIndexOf('@');
  const userInfo = at < 0 ? undefined : authority.slice(0, at);
  const portal = parseHostPort(at < 0 ? authority : authority.slice(at + 1), what);
  if (!/^[0-9]+$/.test(lunText) || Number(lunText) > 0x3fff) {
    throw invalidArgument(`${what}: LUN must be a number in 0..16383, got ${lunText}`);
  }
  const params = new URLSearchParams(query ?? '');
  let credentials: IscsiCredentials | undefined;
  if (userInfo !== undefined) {
    const pct = userInfo.indexOf('%');
    const user = pct < 0 ? userInfo : userInfo.slice(0, pct);
    const password = pct < 0 ? env[ENV_PASSWORD] : userInfo.slice(pct + 1);
    if (user === '') throw invalidArgument(`${what}: empty CHAP user`);
    if (password === undefined || password === '') {
      throw invalidArgument(
        `${what}: CHAP user ${user} has no password (give it as user%password or in ${ENV_PASSWORD})`,
      );
    }
    const targetUser = params.get('target_user') ?? undefined;
    let targetPassword = params.get('target_password') ?? undefined;
    if (targetUser !== undefined && targetPassword === undefined) {
      targetPassword = env[ENV_TARGET_PASSWORD];
      if (targetPassword === undefined || targetPassword === '') {
        throw invalidArgument(
          `${what}: target_user ${targetUser} has no password (target_password= or ${ENV_TARGET_PASSWORD})`,
        );
      }
    }
    credentials = {
      user,
      password,
      ...(targetUser === undefined ? {} : { targetUser }),
      ...(targetPassword === undefined ? {} : { targetPassword }),
    };
  } else if (params.has('target_user')) {
    throw invalidArgument(`${what}: mutual CHAP (target_user) needs an initiator user too`);
  }
  return {
    ...portal,
    targetName,
    lun: Number(lunText),
    ...(credentials === undefined ? {} : { credentials }),
  };
}

/** Parses a portal for discovery: `host[:port]` or `iscsi://host[:port][/]`. */
export function parseIscsiPortal(portal: string): IscsiPortal {
  const m = /^(?:iscsi:\/\/)?([^/?#@]+)\/?$/i.exec(portal);
  if (m === null) throw invalidArgument(`iSCSI portal must look like host[:port], got ${portal}`);
  return parseHostPort(m[1]!, 'iSCSI portal');
}

/** The address with any password removed, for logs, errors and Transport.address. */
export function redactIscsiAddress(a: IscsiAddress): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host;
  const user = a.credentials === undefined ? '' : `${a.credentials.user}@`;
  const query =
    a.credentials?.targetUser === undefined
      ? ''
      : `?target_user=${encodeURIComponent(a.credentials.targetUser)}`;
  return `iscsi://${user}${host}:${a.port}/${a.targetName}/${a.lun}${query}`;
}
