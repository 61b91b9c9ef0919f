// `discwright serve <virtual-address>...`: the virtual drives as one iSCSI target (issue #19),
// LUN 0 the first address. Prints the portal, the target name and the LUNs, then a line per
// login, logout and closed connection (one JSON object per line with --json). Ctrl-C closes every
// connection, waits for the commands running on the drives, and closes the drives, which saves
// their images. Listens on 127.0.0.1 unless told otherwise; any other address needs CHAP
// (--chap-user with --chap-secret-file or DISCWRIGHT_CHAP_SECRET) or an explicit --no-auth,
// which prints a warning. Secrets come from a file or the environment, never from argv.
// docs/iscsi.md, "Target".

import { readFileSync } from 'node:fs';
import { invalidArgument } from '../errors.js';
import type { TargetChap } from '../transport/iscsi/target/index.js';
import type { Transport } from '../transport/transport.js';
import { exitCodeFor } from './exit-codes.js';
import { errorReport } from './format.js';
import { println, type CliIo } from './io.js';

export interface ServeOptions {
  readonly listen: string;
  readonly iqn?: string;
  readonly noAuth?: boolean;
  readonly json?: boolean;
  readonly maxSessions?: number;
  /** One line per command (`--trace`). */
  readonly trace?: boolean;
  readonly chapUser?: string;
  readonly chapSecretFile?: string;
  readonly mutualChapUser?: string;
  readonly mutualChapSecretFile?: string;
  /** Where DISCWRIGHT_CHAP_SECRET / DISCWRIGHT_MUTUAL_CHAP_SECRET are read. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The shortest CHAP secret accepted (RFC 7143 §12.1.3 asks for at least 96 bits). */
const MIN_SECRET_LENGTH = 12;

function secret(file: string | undefined, envName: string, env: ServeOptions['env']): string {
  const text =
    file !== undefined ? readFileSync(file, 'utf8').replace(/\r?\n$/, '') : env?.[envName];
  if (text === undefined) {
    throw invalidArgument(`a CHAP secret is needed: give a secret file or set ${envName}`);
  }
  if (text.length < MIN_SECRET_LENGTH) {
    throw invalidArgument(`a CHAP secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return text;
}

/** The CHAP the options ask for, or undefined (no --chap-user). */
export function chapOf(o: ServeOptions, targetName: string): TargetChap | undefined {
  if (o.chapUser === undefined) {
    if (o.chapSecretFile !== undefined || o.mutualChapSecretFile !== undefined) {
      throw invalidArgument('CHAP secrets need --chap-user');
    }
    return undefined;
  }
  const mutual =
    o.mutualChapSecretFile !== undefined || o.env?.DISCWRIGHT_MUTUAL_CHAP_SECRET !== undefined
      ? {
          user: o.mutualChapUser ?? targetName,
          secret: secret(o.mutualChapSecretFile, 'DISCWRIGHT_MUTUAL_CHAP_SECRET', o.env),
        }
      : undefined;
  return {
    user: o.chapUser,
    secret: secret(o.chapSecretFile, 'DISCWRIGHT_CHAP_SECRET', o.env),
    ...(mutual === undefined ? {} : { mutual }),
  };
}

export const DEFAULT_IQN = 'iqn.2026-01.dev.discwright:serve';

/** `host:port`, `[v6]:port` or `host` (port 3260). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[3] === undefined ? 3260 : Number(m[3]);
  if (m === null || port > 65535) {
    throw invalidArgument(`--listen ${text} is not host:port (e.g. 127.0.0.1:3260)`);
  }
  return { host: m[1] ?? m[2]!, port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The drive's address as served: the virtual drive's host-adapter bound (`maxTransfer`, 64 KiB by
 * default) is raised to its 16 MiB maximum, since over iSCSI the target, not an adapter, bounds a
 * transfer; an explicit `maxTransfer` is kept.
 */
export function servedAddress(address: string): string {
  if (!address.startsWith('virtual:')) {
    throw invalidArgument(`serve exports virtual drives only, not ${address}`);
  }
  if (/[?&]maxTransfer=/.test(address)) return address;
  return `${address}${address.includes('?') ? '&' : '?'}maxTransfer=16777216`;
}

export async function serveCommand(
  io: CliIo,
  addresses: readonly string[],
  options: ServeOptions,
): Promise<number> {
  const drives: Transport[] = [];
  const line = (json: Record<string, unknown>, text: string) =>
    println(io.stdout, options.json === true ? JSON.stringify(json) : text);
  try {
    const { host, port } = parseListen(options.listen);
    const targetName = options.iqn ?? DEFAULT_IQN;
    const chap = chapOf(options, targetName);
    if (!isLoopback(host) && chap === undefined) {
      if (options.noAuth !== true) {
        throw invalidArgument(
          `listening on ${host} needs CHAP (--chap-user and a secret); pass --no-auth to serve without authentication`,
        );
      }
      println(
        io.stderr,
        `warning: serving on ${host} without authentication: anyone who reaches the port can write to these drives`,
      );
    }
    const served = addresses.map(servedAddress);
    const { openVirtualDrive } = await import('../transport/emulated/index.js');
    for (const a of served) drives.push(await openVirtualDrive(a));
    const { IscsiTarget } = await import('../transport/iscsi/target/index.js');
    const target = new IscsiTarget({
      luns: drives,
      targetName,
      ...(chap === undefined ? {} : { chap }),
      ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
      trace: options.trace === true,
      // 10 failed logins a minute per address, then its connections are refused (docs/iscsi.md).
      loginLimit: { failures: 10, windowMs: 60_000 },
      // An initiator idle for 30 s is pinged, and dropped if silent 30 s more (docs/iscsi.md).
      ping: { intervalMs: 30_000, timeoutMs: 30_000 },
      host,
      port,
      onEvent: (e) => {
        if (e.kind === 'login') {
          line(
            { event: 'login', peer: e.peer, initiator: e.initiator, sessionType: e.sessionType },
            `login: ${e.initiator} from ${e.peer}${e.sessionType === 'Discovery' ? ' (discovery)' : ''}`,
          );
        } else if (e.kind === 'logout') {
          line({ event: 'logout', peer: e.peer, initiator: e.initiator }, `logout: ${e.initiator}`);
        } else if (e.kind === 'command') {
          const { kind: _kind, ...fields } = e;
          const answer =
            e.sense === undefined ? `status ${e.status}` : `CHECK CONDITION ${e.sense}`;
          line(
            { event: 'command', ...fields },
            `${e.initiator} LUN ${e.lun ?? '?'} ${e.command} ${e.cdb}: ${e.status === 0 ? 'GOOD' : answer}, ${e.dataOut} out, ${e.dataIn} in, ${e.ms} ms`,
          );
        } else {
          line(
            { event: 'closed', peer: e.peer, reason: e.reason },
            `closed ${e.peer}: ${e.reason}`,
          );
        }
      },
    });
    await target.listen();
    line(
      {
        event: 'listening',
        portal: target.portal,
        target: target.targetName,
        auth: chap === undefined ? 'None' : chap.mutual === undefined ? 'CHAP' : 'mutual CHAP',
        luns: addresses.map((address, lun) => ({ lun, address })),
      },
      [
        `portal: ${target.portal}`,
        `target: ${target.targetName}`,
        `auth: ${chap === undefined ? 'None' : `CHAP as ${chap.user}${chap.mutual === undefined ? '' : ', mutual'}`}`,
        ...addresses.map(
          (a, lun) => `LUN ${lun}: ${a}  (iscsi://${target.portal}/${target.targetName}/${lun})`,
        ),
        'Ctrl-C stops serving and saves the images.',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      const off = io.onInterrupt(() => {
        off();
        resolve();
        return true;
      });
    });
    await target.close();
    line({ event: 'stopped' }, 'stopped');
    return 0;
  } catch (e) {
    println(io.stderr, errorReport(e));
    return exitCodeFor(e);
  } finally {
    for (const d of drives) await d.close().catch(() => undefined);
  }
}
