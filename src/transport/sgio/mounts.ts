// Which file systems sit on a drive (/proc/self/mounts), and who owns a group id (/etc/group).
// The parsers are pure; the lookups read the files synchronously because procfs reads never
// block on a device and platform() must answer synchronously.

import { readFileSync, realpathSync, statSync } from 'node:fs';

export interface MountEntry {
  /** The mounted device or pseudo source (`/dev/sr0`, `tmpfs`). */
  readonly source: string;
  /** The mount point. */
  readonly target: string;
  readonly fsType: string;
  readonly options: string;
}

/** Undo the octal escapes the kernel writes for space, tab, newline and backslash (`\040`). */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parse /proc/self/mounts (fstab format). Malformed lines are skipped. */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[0] === undefined || f[0].startsWith('#')) continue;
    out.push({
      source: unescapeMountField(f[0]),
      target: unescapeMountField(f[1] ?? ''),
      fsType: unescapeMountField(f[2] ?? ''),
      options: f[3] ?? '',
    });
  }
  return out;
}

/** Parse /etc/group into gid → name. */
export function parseGroupFile(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === undefined || gid === undefined || name === '' || !/^\d+$/.test(gid)) continue;
    if (!out.has(Number(gid))) out.set(Number(gid), name);
  }
  return out;
}

function sameNode(a: string, b: string): boolean {
  try {
    if (realpathSync(a) === realpathSync(b)) return true;
    const sa = statSync(a);
    const sb = statSync(b);
    return (
      (sa.isBlockDevice() && sb.isBlockDevice() && sa.rdev === sb.rdev) ||
      (sa.dev === sb.dev && sa.ino === sb.ino)
    );
  } catch {
    return a === b;
  }
}

/** Mount points of file systems whose source is `node` (by path, symlink or device number). */
export function mountPointsOf(node: string, mountsPath = '/proc/self/mounts'): string[] {
  let text: string;
  try {
    text = readFileSync(mountsPath, 'utf8');
  } catch {
    return [];
  }
  return parseMounts(text)
    .filter((m) => m.source.startsWith('/') && sameNode(m.source, node))
    .map((m) => m.target);
}

/** The name of group `gid`, or its number as a string. */
export function groupName(gid: number, groupPath = '/etc/group'): string {
  try {
    return parseGroupFile(readFileSync(groupPath, 'utf8')).get(gid) ?? String(gid);
  } catch {
    return String(gid);
  }
}
