// `discwright devices [--iscsi <portal>] [--json]`: the recorders this machine can reach: local
// drives (Linux sysfs and /dev), iSCSI targets behind a portal (SendTargets discovery), and the
// virtual drive's media presets.

import { invalidArgument } from '../errors.js';
import { MEDIA_IDS } from '../transport/emulated/index.js';
import { exitCodeFor } from './exit-codes.js';
import { errorReport } from './format.js';
import { println, type CliIo } from './io.js';

export interface DeviceEntry {
  readonly address: string;
  readonly description: string;
  /** Why the entry cannot be used as it is (permissions, mounted, …). */
  readonly problems?: readonly string[];
}

export interface DevicesReport {
  readonly local: readonly DeviceEntry[];
  readonly iscsi: readonly DeviceEntry[];
  readonly virtual: readonly string[];
}

async function localDrives(): Promise<DeviceEntry[]> {
  // Loaded on demand: nothing of the SG_IO transport is needed unless drives are listed.
  const { listLocalRecorders } = await import('../transport/sgio/index.js');
  const found = await listLocalRecorders();
  return found.map((d) => ({
    address: d.path,
    description:
      `${d.vendor} ${d.model} ${d.revision}`.trim() +
      (d.sgPath !== undefined && d.sgPath !== d.path ? ` (${d.sgPath})` : '') +
      (d.mountPoints.length > 0 ? `, mounted on ${d.mountPoints.join(', ')}` : ''),
    ...(d.problems.length > 0
      ? { problems: d.problems.map((p) => `${p.path}: ${p.code} ${p.message}`) }
      : {}),
  }));
}

async function iscsiTargets(portal: string): Promise<DeviceEntry[]> {
  const { discoverTargets, parseIscsiPortal } = await import('../transport/iscsi/index.js');
  const { host, port } = parseIscsiPortal(portal);
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const targets = await discoverTargets(portal);
  return targets.map((t) => {
    const p = t.portals[0];
    const at =
      p === undefined
        ? `${hostPart}:${port}`
        : `${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;
    // tgt puts its controller at LUN 0 and the first device at LUN 1.
    return { address: `iscsi://${at}/${t.targetName}/1`, description: 'iSCSI target, LUN 1' };
  });
}

export async function devicesCommand(
  io: CliIo,
  o: { readonly iscsi?: string; readonly json?: boolean },
): Promise<number> {
  try {
    if (o.iscsi !== undefined && o.iscsi.trim() === '') {
      throw invalidArgument('--iscsi needs a portal: host[:port]');
    }
    const report: DevicesReport = {
      local: await localDrives(),
      iscsi: o.iscsi === undefined ? [] : await iscsiTargets(o.iscsi),
      virtual: MEDIA_IDS.map((m) => `virtual:${m}`),
    };
    if (o.json === true) {
      println(io.stdout, JSON.stringify(report, null, 2));
      return 0;
    }
    println(io.stdout, 'local drives:');
    if (report.local.length === 0) println(io.stdout, '  none found');
    for (const d of report.local) {
      println(io.stdout, `  ${d.address.padEnd(12)} ${d.description}`);
      for (const p of d.problems ?? []) println(io.stdout, `    problem: ${p}`);
    }
    if (o.iscsi !== undefined) {
      println(io.stdout, `iSCSI targets at ${o.iscsi}:`);
      if (report.iscsi.length === 0) println(io.stdout, '  none found');
      for (const d of report.iscsi) println(io.stdout, `  ${d.address}  ${d.description}`);
    }
    println(
      io.stdout,
      'virtual drives (add ?image=<file>&speed=<n>x to keep the disc and pace it):',
    );
    println(io.stdout, `  ${report.virtual.join('  ')}`);
    return 0;
  } catch (e) {
    println(io.stderr, errorReport(e));
    return exitCodeFor(e);
  }
}
