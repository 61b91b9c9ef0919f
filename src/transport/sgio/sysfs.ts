// One local drive as Linux's sysfs describes it: the SCSI device behind a node, found through
// /sys/dev/{char,block}/MAJ:MIN, with its identity, its bus, its block node /dev/srN and its SCSI
// generic node /dev/sgN (sysfs ties them together); and a node's owner group and mode, for
// permission messages. Listing every drive is discovery.ts's. Every root is a parameter so
// tests run against a fake tree.

import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { errnoError, type NodeAccess } from './errno.js';
import { groupName } from './mounts.js';

export interface LinuxRoots {
  /** Default `/sys`. */
  readonly sysfsRoot?: string;
  /** Default `/dev`. */
  readonly devRoot?: string;
  /** Default `/run/udev/data`. */
  readonly udevDataDir?: string;
  /** Default `/proc/self/mounts`. */
  readonly mountsPath?: string;
  /** Default `/etc/group`. */
  readonly groupPath?: string;
}

/** SCSI peripheral device types that are optical drives (SPC-4 table 49). */
export const OPTICAL_DEVICE_TYPES: readonly number[] = [0x04 /* WORM */, 0x05 /* CD/DVD (MMC) */];

/** What sysfs says about the SCSI device behind a node. */
export interface ScsiDeviceInfo {
  /** Absolute sysfs directory of the SCSI device (…/host6/target6:0:0/6:0:0:0). */
  readonly sysfsPath: string;
  /** `H:C:T:L`. */
  readonly scsiAddress: string;
  readonly peripheralType: number;
  readonly vendor: string;
  readonly model: string;
  readonly revision: string;
  /** `sr0`, when the sr driver bound it. */
  readonly blockName?: string;
  /** `sg1`, when the sg driver bound it. */
  readonly sgName?: string;
  /** `usb`, `ata`, `sas`, `scsi` …, from the device's place in the sysfs tree. */
  readonly busType: string;
  /** max_sectors_kb of the request queue × 1024, when known. */
  readonly maxTransferBytes?: number;
}

export async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export async function listDir(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort(naturalCompare);
  } catch {
    return [];
  }
}

export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Bus type from the sysfs path of a SCSI device. */
export function busTypeFromSysfsPath(path: string): string {
  if (/\/usb\d*\//.test(path)) return 'usb';
  if (/\/ata\d+\//.test(path)) return 'sata';
  if (/\/(?:port-\d|expander-)/.test(path) || /\/sas_/.test(path)) return 'sas';
  if (/\/virtio\d+\//.test(path)) return 'virtio';
  if (/\/session\d+\//.test(path)) return 'iscsi';
  if (/\/firewire|\/fw\d/.test(path)) return '1394';
  return 'scsi';
}

/** Linux dev_t (as Node's stat.rdev) to major/minor. */
export function devMajorMinor(rdev: number): { major: number; minor: number } {
  const lo = rdev % 0x100000000;
  const hi = Math.floor(rdev / 0x100000000);
  return {
    major: ((lo >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0),
    minor: (lo & 0xff) | ((lo >>> 12) & 0xfff00),
  };
}

/** Read the SCSI device directory `dir` (resolved). */
export async function readScsiDevice(dir: string, roots: LinuxRoots = {}): Promise<ScsiDeviceInfo> {
  const sys = roots.sysfsRoot ?? '/sys';
  const [type, vendor, model, rev, blocks, sgs] = await Promise.all([
    readText(join(dir, 'type')),
    readText(join(dir, 'vendor')),
    readText(join(dir, 'model')),
    readText(join(dir, 'rev')),
    listDir(join(dir, 'block')),
    listDir(join(dir, 'scsi_generic')),
  ]);
  const blockName = blocks[0];
  const sgName = sgs[0];
  const kb =
    blockName === undefined
      ? undefined
      : Number(await readText(join(sys, 'block', blockName, 'queue', 'max_sectors_kb')));
  return {
    sysfsPath: dir,
    scsiAddress: basename(dir),
    peripheralType: type === undefined ? -1 : Number(type),
    vendor: vendor ?? '',
    model: model ?? '',
    revision: rev ?? '',
    ...(blockName === undefined ? {} : { blockName }),
    ...(sgName === undefined ? {} : { sgName }),
    busType: busTypeFromSysfsPath(dir),
    ...(kb !== undefined && Number.isInteger(kb) && kb > 0 ? { maxTransferBytes: kb * 1024 } : {}),
  };
}

/** What a path names. */
export interface NodeDescription {
  /** The path as resolved through symlinks (/dev/cdrom → /dev/sr0). */
  readonly realPath: string;
  readonly kind: 'sg' | 'block' | 'other';
  readonly major?: number;
  readonly minor?: number;
  /** The SCSI device behind the node, when sysfs knows one. */
  readonly scsi?: ScsiDeviceInfo;
}

/**
 * Resolve `path` and find its SCSI device through /sys/dev/{char,block}/MAJ:MIN. Rejects only when
 * the path itself cannot be resolved (ENOENT, EACCES on a directory …).
 */
export async function describeNode(path: string, roots: LinuxRoots = {}): Promise<NodeDescription> {
  const sys = roots.sysfsRoot ?? '/sys';
  let realPath: string;
  try {
    realPath = await realpath(path);
  } catch (e) {
    throw errnoError(errCode(e), { op: 'open', path, cause: e });
  }
  const st = await stat(realPath);
  if (!st.isCharacterDevice() && !st.isBlockDevice()) return { realPath, kind: 'other' };
  const { major, minor } = devMajorMinor(st.rdev);
  const classDir = join(sys, 'dev', st.isBlockDevice() ? 'block' : 'char', `${major}:${minor}`);
  let scsi: ScsiDeviceInfo | undefined;
  let kind: NodeDescription['kind'] = 'other';
  try {
    const resolved = await realpath(classDir);
    const cls = basename(join(resolved, '..'));
    if (cls === 'scsi_generic') kind = 'sg';
    else if (st.isBlockDevice()) kind = 'block';
    scsi = await readScsiDevice(await realpath(join(resolved, 'device')), roots);
  } catch {
    // No sysfs entry (containers, non-SCSI nodes): identity stays unknown.
  }
  return { realPath, kind, major, minor, ...(scsi === undefined ? {} : { scsi }) };
}

/** Owner group and mode of a node, for permission messages. */
export async function nodeAccess(
  path: string,
  kind: NodeAccess['kind'],
  roots: LinuxRoots = {},
): Promise<NodeAccess> {
  try {
    const st = await stat(path);
    const groups = typeof process.getgroups === 'function' ? process.getgroups() : [];
    return {
      group: groupName(st.gid, roots.groupPath),
      mode: st.mode & 0o777,
      memberOfGroup: groups.includes(st.gid) || process.getgid?.() === st.gid,
      ...(kind === undefined ? {} : { kind }),
    };
  } catch {
    return kind === undefined ? {} : { kind };
  }
}

export function errCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}
