// Linux errno values from open(2), ioctl(SG_IO) and flock(2) on a drive node, as discwright
// errors (spec §4.7). Pure: callers pass the errno *name* and what they know about the node.

import type { ScsiCommand } from '../../scsi/command.js';
import { DwError, HR, type HResult } from '../../errors.js';

/** What the caller was doing when the errno came back. */
export type SysOperation = 'open' | 'ioctl' | 'lock' | 'close';

/** Ownership of a device node, for the permission message. */
export interface NodeAccess {
  /** Group name of the node (`cdrom`, `disk`), or its numeric id when the name is unknown. */
  readonly group?: string;
  /** st_mode & 0o777. */
  readonly mode?: number;
  /** True when the calling process is already a member of that group. */
  readonly memberOfGroup?: boolean;
  /** `sg` for /dev/sgN, `block` for /dev/srN. */
  readonly kind?: 'sg' | 'block' | 'other';
}

export interface ErrnoContext {
  readonly op: SysOperation;
  /** The node concerned. */
  readonly path: string;
  readonly command?: ScsiCommand;
  readonly access?: NodeAccess;
  readonly cause?: unknown;
}

/** A udev rule that hands every optical drive's sg node to the cdrom group. */
export const UDEV_RULE = 'SUBSYSTEM=="scsi_generic", ATTRS{type}=="5", GROUP="cdrom", MODE="0660"';

/** An actionable message for EACCES / EPERM on a drive node. */
export function permissionHint(path: string, access: NodeAccess = {}): string {
  const { group, mode, memberOfGroup, kind } = access;
  const groupWritable = mode === undefined || (mode & 0o020) !== 0;
  if (group === undefined) {
    return (
      `Your user may not open ${path} read-write. Join the group that owns it ` +
      `(ls -l ${path}; sudo usermod -aG <group> $USER, then log in again) or add a udev rule ` +
      `(docs/local-drives.md).`
    );
  }
  if (!groupWritable) {
    return (
      `${path} is not writable by its group '${group}' (mode ${mode?.toString(8)}). ` +
      `Install a udev rule such as /etc/udev/rules.d/60-discwright.rules: ${UDEV_RULE} ` +
      `(see docs/local-drives.md), then replug the drive.`
    );
  }
  if (memberOfGroup === true) {
    return (
      `You are in the group '${group}' that owns ${path}, but this session started before you ` +
      `joined it: log out and in again (or run \`newgrp ${group}\`).`
    );
  }
  if (group === 'disk') {
    return (
      `${path} belongs to the group 'disk', which would also give raw access to every hard disk. ` +
      `Prefer a udev rule that gives optical drives to 'cdrom': ${UDEV_RULE} ` +
      `(docs/local-drives.md), then join 'cdrom': sudo usermod -aG cdrom $USER and log in again.`
    );
  }
  const which = kind === 'sg' ? 'SCSI generic node' : 'drive';
  return (
    `Add your user to the group '${group}' that owns the ${which} ${path}: ` +
    `sudo usermod -aG ${group} $USER, then log out and in again.`
  );
}

interface Mapping {
  readonly hr: HResult;
  readonly text: string;
  readonly hint?: string;
}

function mapping(code: string, ctx: ErrnoContext): Mapping {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return {
        hr: HR.E_ACCESSDENIED,
        text: `permission denied opening ${ctx.path}`,
        hint: permissionHint(ctx.path, ctx.access),
      };
    case 'EROFS':
      return {
        hr: HR.E_ACCESSDENIED,
        text: `${ctx.path} can only be opened read-only; recording needs read-write access`,
      };
    case 'ENOENT':
      return {
        hr: HR.ERROR_DEV_NOT_EXIST,
        text: `no such device: ${ctx.path}`,
        hint: 'Check the path; `discwright devices` lists the drives this machine has.',
      };
    case 'EBUSY':
    case 'EAGAIN':
      // The kernel does not say who: O_EXCL is refused alike for a burner (growisofs, libburn,
      // cdrecord open /dev/srN with O_EXCL) and for a mounted file system.
      return {
        hr: HR.E_IMAPI_RECORDER_LOCKED,
        text:
          ctx.op === 'lock'
            ? `${ctx.path} is in use by another program or mounted (the kernel refused exclusive access)`
            : `${ctx.path} is busy: another program holds it exclusively`,
        hint:
          ctx.op === 'lock'
            ? 'Wait for the other program (a burner such as growisofs, cdrecord or a libburn-based' +
              ' one) to finish, or close it; if the disc is mounted, unmount it (udisksctl unmount' +
              ` -b ${ctx.path}). Force exclusive access (--force on the command line) only when you` +
              ' know nothing is writing to the drive.'
            : 'Close the other program (a burner, a file manager that mounted the disc) or wait.',
      };
    case 'ENODEV':
    case 'ENXIO':
      return {
        hr: HR.ERROR_DEV_NOT_EXIST,
        text:
          ctx.op === 'ioctl'
            ? `${ctx.path} vanished during ${ctx.command?.name ?? 'a command'} (unplugged or reset)`
            : `${ctx.path} has no device behind it (unplugged, or the driver is not loaded)`,
      };
    case 'ENOTTY':
      return {
        hr: HR.E_INVALIDARG,
        text: `${ctx.path} is not a SCSI device (it does not answer the SG_IO interface)`,
        hint: 'Use a drive node such as /dev/sr0 or /dev/sg1; `discwright devices` lists them.',
      };
    case 'EINVAL':
    case 'EOVERFLOW':
    case 'EMSGSIZE':
      return {
        hr: HR.E_INVALIDARG,
        text:
          `the kernel rejected ${ctx.command?.name ?? 'the request'} on ${ctx.path} ` +
          `as malformed or too large (${code})`,
        hint: 'Use a smaller transfer (see the recorder maximum transfer size).',
      };
    case 'ENOMEM':
      return { hr: HR.E_OUTOFMEMORY, text: `out of memory issuing a command to ${ctx.path}` };
    case 'EBADF':
      return { hr: HR.ERROR_INVALID_HANDLE, text: `the handle for ${ctx.path} is closed` };
    case 'ENOMEDIUM':
      return { hr: HR.E_IMAPI_RECORDER_MEDIA_NO_MEDIA, text: `no disc in ${ctx.path}` };
    case 'ETIMEDOUT':
      return { hr: HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT, text: `${ctx.path} timed out` };
    default:
      return {
        hr: HR.ERROR_IO_DEVICE,
        text: `I/O error during ${ctx.op} on ${ctx.path} (${code})`,
      };
  }
}

/** The DwError for an errno name (`EACCES`) met during `ctx.op` on `ctx.path`. */
export function errnoError(code: string, ctx: ErrnoContext): DwError {
  const m = mapping(code, ctx);
  return new DwError(m.hr, {
    message: `${m.text} [${code}]`,
    ...(m.hint === undefined ? {} : { hint: m.hint }),
    ...(ctx.command === undefined ? {} : { command: ctx.command.name, cdb: ctx.command.cdb }),
    ...(ctx.cause === undefined ? {} : { cause: ctx.cause }),
  });
}
