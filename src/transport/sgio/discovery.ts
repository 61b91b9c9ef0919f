// The local optical drives of a Linux machine: every SCSI device of an optical peripheral type
// that sysfs ties to a block node /dev/srN or a SCSI generic node /dev/sgN (sysfs.ts reads each
// one), with its media from udev (udev-media.ts), its mount points, and a trial open of each
// node that reports permission problems; /dev/sr* alone when sysfs has no SCSI classes.

import { constants as fsc } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { DwError } from '../../errors.js';
import { errnoError, type NodeAccess } from './errno.js';
import { mountPointsOf } from './mounts.js';
import {
  errCode,
  listDir,
  naturalCompare,
  nodeAccess,
  OPTICAL_DEVICE_TYPES,
  readScsiDevice,
  type LinuxRoots,
  type ScsiDeviceInfo,
} from './sysfs.js';
import { udevMedia, type MediaInfo } from './udev-media.js';

/** Something discovery could not do with a node, and why. */
export interface NodeProblem {
  readonly path: string;
  /** errno name (`EACCES`) or `ENOKOFFI` / `ENOSYSFS`. */
  readonly code: string;
  readonly hr: number;
  readonly message: string;
  readonly hint?: string;
}

/** One local optical drive. */
export interface LocalRecorderInfo {
  /** The address to open: the block node when there is one (what users know), else the sg node. */
  readonly path: string;
  /** `/dev/srN`. */
  readonly blockPath?: string;
  /** `/dev/sgN`: the node discwright issues commands through when it can open it. */
  readonly sgPath?: string;
  readonly vendor: string;
  readonly model: string;
  readonly revision: string;
  /** `H:C:T:L`, when sysfs is available. */
  readonly scsiAddress?: string;
  readonly busType: string;
  /** N in /dev/srN, or -1. */
  readonly legacyDeviceNumber: number;
  /** The disc udev last saw, when known. */
  readonly media?: MediaInfo;
  /** Where file systems on the disc are mounted. */
  readonly mountPoints: readonly string[];
  /** True when at least one node opened read-write. */
  readonly accessible: boolean;
  /** Nodes that could not be opened, and why. */
  readonly problems: readonly NodeProblem[];
}

export interface ListOptions extends LinuxRoots {
  /** Try opening each node read-write to report permission problems (default true). */
  readonly probeOpen?: boolean;
}

async function tryOpen(path: string, kind: NodeAccess['kind'], roots: LinuxRoots) {
  try {
    const fh = await open(path, fsc.O_RDWR | fsc.O_NONBLOCK);
    await fh.close();
    return undefined;
  } catch (e) {
    const code = errCode(e);
    const access =
      code === 'EACCES' || code === 'EPERM' ? await nodeAccess(path, kind, roots) : undefined;
    const err = errnoError(code, {
      op: 'open',
      path,
      ...(access === undefined ? {} : { access }),
    });
    return problem(path, code, err);
  }
}

function problem(path: string, code: string, err: DwError): NodeProblem {
  return {
    path,
    code,
    hr: err.hr,
    message: err.message,
    ...(err.hint === undefined ? {} : { hint: err.hint }),
  };
}

function srNumber(name: string | undefined): number {
  const m = name === undefined ? null : /^sr(\d+)$/.exec(name);
  return m?.[1] === undefined ? -1 : Number(m[1]);
}

/**
 * The optical drives of this machine, from sysfs, or from /dev/sr* alone when sysfs has no SCSI
 * classes (some containers). Never rejects: what cannot be read shows up in `problems`.
 */
export async function listLocalRecordersFrom(
  options: ListOptions = {},
): Promise<LocalRecorderInfo[]> {
  const sys = options.sysfsRoot ?? '/sys';
  const dev = options.devRoot ?? '/dev';
  const probe = options.probeOpen ?? true;
  const devices = new Map<string, ScsiDeviceInfo>();
  const candidates = [
    ...(await listDir(join(sys, 'class', 'scsi_generic'))).map((n) =>
      join(sys, 'class', 'scsi_generic', n, 'device'),
    ),
    ...(await listDir(join(sys, 'class', 'block')))
      .filter((n) => /^sr\d+$/.test(n))
      .map((n) => join(sys, 'class', 'block', n, 'device')),
  ];
  for (const link of candidates) {
    try {
      const dir = await realpath(link);
      if (devices.has(dir)) continue;
      const info = await readScsiDevice(dir, options);
      if (OPTICAL_DEVICE_TYPES.includes(info.peripheralType)) devices.set(dir, info);
    } catch {
      // A node that vanished while we looked.
    }
  }

  const out: LocalRecorderInfo[] = [];
  // Drives with a block node first (sr0, sr1 …), the ones reachable only through sg after them.
  const order = (d: ScsiDeviceInfo) =>
    d.blockName === undefined ? `1 ${d.sgName ?? ''}` : `0 ${d.blockName}`;
  for (const info of [...devices.values()].sort((a, b) => naturalCompare(order(a), order(b)))) {
    const blockPath = info.blockName === undefined ? undefined : join(dev, info.blockName);
    const sgPath = info.sgName === undefined ? undefined : join(dev, info.sgName);
    const problems: NodeProblem[] = [];
    let accessible = !probe;
    if (probe) {
      for (const [p, kind] of [
        [sgPath, 'sg'],
        [blockPath, 'block'],
      ] as const) {
        if (p === undefined) continue;
        const pr = await tryOpen(p, kind, options);
        if (pr === undefined) accessible = true;
        else problems.push(pr);
      }
    }
    const media =
      info.blockName === undefined ? undefined : await udevMedia(info.blockName, options);
    out.push({
      path: blockPath ?? sgPath ?? info.sysfsPath,
      ...(blockPath === undefined ? {} : { blockPath }),
      ...(sgPath === undefined ? {} : { sgPath }),
      vendor: info.vendor,
      model: info.model,
      revision: info.revision,
      scsiAddress: info.scsiAddress,
      busType: info.busType,
      legacyDeviceNumber: srNumber(info.blockName),
      ...(media === undefined ? {} : { media }),
      mountPoints: blockPath === undefined ? [] : mountPointsOf(blockPath, options.mountsPath),
      accessible,
      problems,
    });
  }
  if (devices.size > 0) return out;

  // No SCSI classes in sysfs: fall back to the block nodes /dev offers; identity unknown.
  for (const name of (await listDir(dev)).filter((n) => /^sr\d+$/.test(n))) {
    const path = join(dev, name);
    const pr = probe ? await tryOpen(path, 'block', options) : undefined;
    out.push({
      path,
      blockPath: path,
      vendor: '',
      model: '',
      revision: '',
      busType: 'unknown',
      legacyDeviceNumber: srNumber(name),
      mountPoints: mountPointsOf(path, options.mountsPath),
      accessible: pr === undefined,
      problems: pr === undefined ? [] : [pr],
    });
  }
  return out;
}
