// `discwright serve <virtual-address>...`: the virtual drives as one iSCSI target (issue #19),
// LUN 0 the first address. Prints the portal, the target name and the LUNs, then a line per
// login, logout and closed connection (one JSON object per line with --json). Ctrl-C closes every
// connection, waits for the commands running on the drives, and closes the drives, which saves
// their images. Listens on 127.0.0.1 unless told otherwise; with no CHAP yet, any other address
// needs --no-auth, which prints a warning. docs/iscsi.md, "Target".

import { invalidArgument } from '../errors.js';
import type { Transport } from '../transport/transport.js';
import { exitCodeFor } from './exit-codes.js';
import { errorReport } from './format.js';
import { println, type CliIo } from './io.js';

export interface ServeOptions {
  readonly listen: string;
  readonly iqn?: string;
  readonly noAuth?: boolean;
  readonly json?: boolean;
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
    if (!isLoopback(host)) {
      if (options.noAuth !== true) {
        throw invalidArgument(
          `listening on ${host} needs CHAP, which serve does not implement yet; pass --no-auth to serve without authentication`,
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
      targetName: options.iqn ?? DEFAULT_IQN,
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
        luns: addresses.map((address, lun) => ({ lun, address })),
      },
      [
        `portal: ${target.portal}`,
        `target: ${target.targetName}`,
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
