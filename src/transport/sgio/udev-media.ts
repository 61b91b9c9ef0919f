// What udev's cdrom_id last saw in a drive: the ID_CDROM_MEDIA_* properties of the block node's
// record in /run/udev/data (b<MAJ>:<MIN>), for listing drives without sending them a command.

import { join } from 'node:path';
import { readText, type LinuxRoots } from './sysfs.js';

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

/** udev media record of block node `name` (reads its dev file for MAJ:MIN). */
export async function udevMedia(name: string, roots: LinuxRoots): Promise<MediaInfo | undefined> {
  const sys = roots.sysfsRoot ?? '/sys';
  const dev = await readText(join(sys, 'class', 'block', name, 'dev'));
  if (dev === undefined) return undefined;
  const text = await readText(join(roots.udevDataDir ?? '/run/udev/data', `b${dev}`));
  return text === undefined ? undefined : parseUdevMedia(text);
}
