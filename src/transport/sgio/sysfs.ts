// Local optical drives as Linux sees them: sysfs (/sys/class/scsi_generic, /sys/class/block,
// /sys/dev/{char,block}) ties each SCSI device to its block node /dev/srN and its SCSI generic
// node /dev/sgN; udev's cdrom_id leaves the current media in /run/udev/data. Every root is a
// parameter so tests run against a fake tree.

import { constants as fsc } from 'node:fs';
import { open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DwError } from '../../errors.js';
import { errnoError, type NodeAccess } from './errno.js';
import { groupName, mountPointsOf } from './mounts.js';

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

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort(naturalCompare);
  } catch {
    return [];
  }
}

function naturalCompare(a: string, b: string): number {
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

/** Media udev's cdrom_id last saw in a drive. */
export interface MediaInfo {
  /** `DVD+R`, `CD-RW`, `BD-RE` … */
  readonly type?: string;
  /** `blank`, `appendable`, `complete`, `other`. */
  readonly state?: string;
  readonly sessionCount?: number;
  readonly trackCount?: number;
}

const MEDIA_NAMES: Readonly<Record<string, string>> = {
  CD: 'CD-ROM',
  CD_R: 'CD-R',
  CD_RW: 'CD-RW',
  DVD: 'DVD-ROM',
  DVD_R: 'DVD-R',
  DVD_R_DL_SEQ: 'DVD-R DL',
  DVD_R_DL_JR: 'DVD-R DL',
  DVD_RW: 'DVD-RW',
  DVD_RW_RO: 'DVD-RW (restricted overwrite)',
  DVD_RW_SEQ: 'DVD-RW (sequential)',
  DVD_RAM: 'DVD-RAM',
  DVD_PLUS_R: 'DVD+R',
  DVD_PLUS_RW: 'DVD+RW',
  DVD_PLUS_R_DL: 'DVD+R DL',
  DVD_PLUS_RW_DL: 'DVD+RW DL',
  BD: 'BD-ROM',
  BD_R: 'BD-R',
  BD_R_SRM: 'BD-R (SRM)',
  BD_R_RRM: 'BD-R (RRM)',
  BD_RE: 'BD-RE',
  HDDVD: 'HD DVD-ROM',
  HDDVD_R: 'HD DVD-R',
  HDDVD_RW: 'HD DVD-RW',
  MO: 'MO',
};

/**
 * Parse a udev database record (`/run/udev/data/b11:0`, lines `E:KEY=value`) for the
 * ID_CDROM_MEDIA_* properties. Returns undefined when it says nothing about a disc.
 */
export function parseUdevMedia(text: string): MediaInfo | undefined {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^E:(ID_CDROM_MEDIA[A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) env.set(m[1], m[2]);
  }
  if (env.get('ID_CDROM_MEDIA') !== '1') return undefined;
  let type: string | undefined;
  for (const [key, value] of env) {
    const suffix = key.slice('ID_CDROM_MEDIA_'.length);
    if (value !== '1' || !key.startsWith('ID_CDROM_MEDIA_')) continue;
    const name = MEDIA_NAMES[suffix];
    // The most specific name wins (DVD_RW_RO over DVD_RW when a tool sets both).
    if (name !== undefined && (type === undefined || name.length > type.length)) type = name;
  }
  const num = (k: string) => {
    const v = env.get(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const state = env.get('ID_CDROM_MEDIA_STATE');
  const sessionCount = num('ID_CDROM_MEDIA_SESSION_COUNT');
  const trackCount = num('ID_CDROM_MEDIA_TRACK_COUNT');
  return {
    ...(type === undefined ? {} : { type }),
    ...(state === undefined ? {} : { state }),
    ...(sessionCount === undefined ? {} : { sessionCount }),
    ...(trackCount === undefined ? {} : { trackCount }),
  };
}

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

/** udev media record of block node `name` (reads its dev file for MAJ:MIN). */
async function udevMedia(name: string, roots: LinuxRoots): Promise<MediaInfo | undefined> {
  const sys = roots.sysfsRoot ?? '/sys';
  const dev = await readText(join(sys, 'class', 'block', name, 'dev'));
  if (dev === undefined) return undefined;
  const text = await readText(join(roots.udevDataDir ?? '/run/udev/data', `b${dev}`));
  return text === undefined ? undefined : parseUdevMedia(text);
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
