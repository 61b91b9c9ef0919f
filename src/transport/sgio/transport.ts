// The Linux SG_IO transport: one local drive through /dev/sgN (preferred) or /dev/srN, one
// sg_io_hdr v3 ioctl per command, issued on a koffi worker thread so the event loop, progress
// events and other drives keep running while a command is in flight (spec §0, §4.7). The header,
// CDB, sense and data the kernel reads and writes live in native memory the transport owns
// (SgioCommandMemory in command-memory.ts; native-memory.ts says why).

import { constants as fsc, open as openCb, close as closeCb } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ScsiCommand, ScsiResult } from '../../scsi/command.js';
import { DwError, HR } from '../../errors.js';
import {
  TransportErrors,
  type ExecuteOptions,
  type PlatformInfo,
  type Transport,
  type TransportLimits,
} from '../transport.js';
import { CommandGate } from '../gate.js';
import { errnoError } from './errno.js';
import { LinuxExclusiveAccess } from './exclusive.js';
import { loadLibc, type Libc } from './libc.js';
import { CDB_OFFSET, SENSE_OFFSET, SgioCommandMemory } from './command-memory.js';
import { mountPointsOf } from './mounts.js';
import {
  SG_MAX_CDB_LENGTH,
  SG_MAX_SENSE_LENGTH,
  SgIoctl,
  decodeSgIoHdr,
  encodeSgIoHdr,
  sgDxferDirection,
  sgIoHdrLayout,
  type SgIoHdrLayout,
} from './sg-io-hdr.js';
import { decodeSgCompletion, type SgOutcome } from './status.js';
import {
  describeNode,
  errCode,
  nodeAccess,
  type LinuxRoots,
  type NodeDescription,
} from './sysfs.js';

const openFd = promisify(openCb) as (path: string, flags: number) => Promise<number>;
const closeFd = promisify(closeCb);

/** Used when neither the command nor the options give a timeout. */
export const DEFAULT_SGIO_TIMEOUT_MS = 60_000;
/** Transfer limit assumed when sysfs does not report the queue's max_sectors_kb. */
export const DEFAULT_MAX_TRANSFER_BYTES = 65_536;
/** sg_io_hdr.timeout is a u32 and 0xFFFFFFFF means "never"; discwright always sets a bound. */
const MAX_TIMEOUT_MS = 0xfffffffe;

export interface SgioOptions extends LinuxRoots {
  /** Open /dev/sgN instead of a given /dev/srN when sysfs maps one to the other (default true). */
  readonly preferSg?: boolean;
  /** Ask the node for its sg version at open, so a non-SCSI path fails at once (default true). */
  readonly verifyScsi?: boolean;
  /** Timeout for commands that come without one (default 60 s). */
  readonly defaultTimeoutMs?: number;
  /** Lock-file directory for exclusive access (default /run/lock, else the temp directory). */
  readonly lockDir?: string;
  /** The libc bindings (default: libc through koffi); tests pass one with a C double of ioctl. */
  readonly libc?: Libc;
}

function srNumber(name: string | undefined): number {
  const m = name === undefined ? null : /^sr(\d+)$/.exec(name);
  return m?.[1] === undefined ? -1 : Number(m[1]);
}

class SgioTransport implements Transport {
  readonly exclusiveAccess: LinuxExclusiveAccess;
  #fd: number | undefined;
  readonly #gate = new CommandGate();
  readonly #layout: SgIoHdrLayout;
  readonly #memory: SgioCommandMemory;
  #savedPollMsecs: string | undefined;
  readonly #nodePath: string;
  readonly #node: NodeDescription;
  readonly #libc: Libc;
  readonly #options: SgioOptions;

  constructor(
    readonly address: string,
    nodePath: string,
    node: NodeDescription,
    fd: number,
    libc: Libc,
    options: SgioOptions,
  ) {
    this.#nodePath = nodePath;
    this.#node = node;
    this.#libc = libc;
    this.#options = options;
    this.#fd = fd;
    this.#layout = sgIoHdrLayout(
      libc.pointerBytes,
      new Uint8Array(new Uint16Array([1]).buffer)[0] === 1,
    );
    this.#memory = new SgioCommandMemory(libc, this.#layout);
    const blockPath = this.#blockPath();
    this.exclusiveAccess = new LinuxExclusiveAccess(
      {
        key: node.scsi?.scsiAddress ?? node.realPath,
        path: nodePath,
        ...(blockPath === undefined ? {} : { blockPath }),
      },
      libc,
      {
        ...(options.lockDir === undefined ? {} : { lockDir: options.lockDir }),
        ...(options.mountsPath === undefined ? {} : { mountsPath: options.mountsPath }),
      },
    );
  }

  #blockPath(): string | undefined {
    const name = this.#node.scsi?.blockName;
    if (name !== undefined) return join(this.#options.devRoot ?? '/dev', name);
    return this.#node.kind === 'block' ? this.#node.realPath : undefined;
  }

  async execute(command: ScsiCommand, options: ExecuteOptions = {}): Promise<ScsiResult> {
    const outcome = await this.#gate.run(
      this.address,
      command,
      options.signal,
      () => this.#fd !== undefined,
      () => this.#issue(this.#fd!, command, options.timeoutMs),
    );
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  #timeoutFor(command: ScsiCommand, requested: number | undefined): number {
    const t = requested ?? this.#options.defaultTimeoutMs ?? DEFAULT_SGIO_TIMEOUT_MS;
    if (typeof t !== 'number' || !(t > 0)) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `timeoutMs must be a positive number of milliseconds, got ${String(t)}`,
        command: command.name,
      });
    }
    return Math.min(Math.ceil(t), MAX_TIMEOUT_MS);
  }

  async #issue(
    fd: number,
    command: ScsiCommand,
    requestedTimeoutMs: number | undefined,
  ): Promise<SgOutcome> {
    validate(command);
    const timeoutMs = this.#timeoutFor(command, requestedTimeoutMs);
    const length =
      command.direction === 'in'
        ? (command.allocationLength ?? 0)
        : command.direction === 'out'
          ? (command.dataOut?.length ?? 0)
          : 0;
    const { control } = this.#memory;
    const data = length > 0 ? this.#memory.data.ensure(length) : undefined;
    if (command.direction === 'out' && data !== undefined) data.write(command.dataOut!);
    control.write(command.cdb, CDB_OFFSET);
    control.write(
      encodeSgIoHdr(this.#layout, {
        dxferDirection: sgDxferDirection(command.direction, length),
        cmdLen: command.cdb.length,
        mxSbLen: SG_MAX_SENSE_LENGTH,
        dxferLen: length,
        dxferp: data?.address ?? 0n,
        cmdp: control.address + BigInt(CDB_OFFSET),
        sbp: control.address + BigInt(SENSE_OFFSET),
        timeout: timeoutMs,
      }),
    );
    let r;
    try {
      r = await this.#libc.ioctl(fd, SgIoctl.SG_IO, control.address);
    } catch (e) {
      return {
        ok: false,
        error: TransportErrors.io(`SG_IO on ${this.#nodePath} failed: ${String(e)}`, e),
      };
    }
    if (r.ret < 0) {
      return {
        ok: false,
        error: errnoError(r.errno, { op: 'ioctl', path: this.#nodePath, command }),
      };
    }
    const reply = decodeSgIoHdr(this.#layout, control.read(0, this.#layout.size));
    // Copy out only what the kernel reports it filled in: nothing stale from earlier commands.
    const transferred = length - Math.min(Math.max(reply.resid, 0), length);
    return decodeSgCompletion({
      command,
      reply,
      dxferLen: length,
      ...(command.direction === 'in' && data !== undefined
        ? { dataBuffer: data.read(0, transferred) }
        : {}),
      senseBuffer: control.read(SENSE_OFFSET, Math.min(reply.sbLenWr, SG_MAX_SENSE_LENGTH)),
      timeoutMs,
      path: this.#nodePath,
    });
  }

  limits(): TransportLimits {
    const max = this.#node.scsi?.maxTransferBytes ?? DEFAULT_MAX_TRANSFER_BYTES;
    return {
      maxPageAlignedTransferBytes: max,
      // SG_IO bounces unaligned user buffers through kernel pages, so any buffer works.
      maxNonPageAlignedTransferBytes: max,
      alignment: 1,
      busType: this.#node.scsi?.busType ?? 'unknown',
    };
  }

  platform(): PlatformInfo {
    const blockPath = this.#blockPath();
    return {
      volumeName: blockPath ?? this.#nodePath,
      volumePathNames:
        blockPath === undefined ? [] : mountPointsOf(blockPath, this.#options.mountsPath),
      legacyDeviceNumber: srNumber(
        this.#node.scsi?.blockName ?? this.#node.realPath.split('/').pop(),
      ),
    };
  }

  /**
   * Best effort: switches the kernel's media-change polling of the block device off
   * (events_poll_msecs = 0) and back on. That needs root; without it nothing changes. Desktop
   * automounting is kept off the disc by exclusive access (O_EXCL) instead.
   */
  async setMediaChangeNotification(enabled: boolean): Promise<void> {
    if (this.#fd === undefined) throw TransportErrors.closed(this.address);
    const name = this.#node.scsi?.blockName;
    if (name === undefined) return;
    const file = join(this.#options.sysfsRoot ?? '/sys', 'block', name, 'events_poll_msecs');
    try {
      if (!enabled) {
        if (this.#savedPollMsecs !== undefined) return;
        const current = (await readFile(file, 'utf8')).trim();
        await writeFile(file, '0');
        this.#savedPollMsecs = current;
      } else if (this.#savedPollMsecs !== undefined) {
        await writeFile(file, this.#savedPollMsecs);
        this.#savedPollMsecs = undefined;
      }
    } catch {
      // Not permitted or not supported by this kernel: nothing to suppress.
    }
  }

  async close(): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    // Closing the descriptor under a running ioctl would let the number be reused by the next
    // open() while the worker thread still refers to it.
    await this.#gate.drain();
    await this.exclusiveAccess.release().catch(() => undefined);
    if (this.#savedPollMsecs !== undefined) {
      const name = this.#node.scsi?.blockName ?? '';
      const file = join(this.#options.sysfsRoot ?? '/sys', 'block', name, 'events_poll_msecs');
      await writeFile(file, this.#savedPollMsecs).catch(() => undefined);
      this.#savedPollMsecs = undefined;
    }
    await closeFd(fd).catch(() => undefined);
    // Only now: no ioctl can still hold the addresses (the gate drained above).
    this.#memory.free();
  }
}

function validate(command: ScsiCommand): void {
  const bad = (message: string) =>
    new DwError(HR.E_INVALIDARG, { message, command: command.name, cdb: command.cdb });
  if (command.cdb.length < 1 || command.cdb.length > SG_MAX_CDB_LENGTH) {
    throw bad(
      `${command.name}: a CDB of ${command.cdb.length} bytes cannot be sent with SG_IO (1..16)`,
    );
  }
  if (command.direction === 'in') {
    const n = command.allocationLength ?? 0;
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw bad(`${command.name}: allocation length ${n} is not a 32-bit byte count`);
    }
  }
  if (command.direction === 'out' && (command.dataOut?.length ?? 0) > 0xffffffff) {
    throw bad(`${command.name}: data-out longer than 4 GiB`);
  }
}

async function openNode(
  path: string,
  kind: NodeDescription['kind'],
  roots: LinuxRoots,
): Promise<number> {
  try {
    // Non-blocking open: a /dev/srN without a disc opens instead of failing with ENOMEDIUM, and an
    // sg node held with O_EXCL answers EBUSY instead of waiting.
    return await openFd(path, fsc.O_RDWR | fsc.O_NONBLOCK);
  } catch (e) {
    const code = errCode(e);
    const access =
      code === 'EACCES' || code === 'EPERM' ? await nodeAccess(path, kind, roots) : undefined;
    throw errnoError(code, {
      op: 'open',
      path,
      cause: e,
      ...(access === undefined ? {} : { access }),
    });
  }
}

/**
 * Open a local drive. `path` is /dev/sgN, /dev/srN or a link to one (/dev/cdrom). A block node is
 * swapped for its sg node when sysfs names one and it opens (older kernels serialise every
 * /dev/sr* behind one lock; sg nodes let several drives run at once).
 */
export async function openSgioTransport(
  path: string,
  options: SgioOptions = {},
): Promise<Transport> {
  if (process.platform !== 'linux') {
    throw new DwError(HR.E_NOTIMPL, {
      message: `SG_IO is Linux-only; this is ${process.platform}`,
    });
  }
  const libc = options.libc ?? (await loadLibc());
  const node = await describeNode(path, options);
  const candidates: { path: string; kind: NodeDescription['kind'] }[] = [];
  const sgName = node.scsi?.sgName;
  if ((options.preferSg ?? true) && node.kind !== 'sg' && sgName !== undefined) {
    candidates.push({ path: join(options.devRoot ?? '/dev', sgName), kind: 'sg' });
  }
  candidates.push({ path: node.realPath, kind: node.kind });

  let fd: number | undefined;
  let chosen = candidates[candidates.length - 1]!;
  let firstError: unknown;
  for (const c of candidates) {
    try {
      fd = await openNode(c.path, c.kind, options);
      chosen = c;
      break;
    } catch (e) {
      firstError ??= e;
      if (c.path === node.realPath) throw e;
    }
  }
  if (fd === undefined) throw firstError;
  libc.clearNonBlocking(fd);

  if (options.verifyScsi ?? true) {
    // The kernel writes an int here from the worker thread: native memory, freed once it returned.
    const version = libc.allocate(4);
    let r;
    try {
      r = await libc.ioctl(fd, SgIoctl.SG_GET_VERSION_NUM, version.address);
    } finally {
      version.free();
    }
    if (r.ret < 0) {
      await closeFd(fd).catch(() => undefined);
      throw errnoError(r.errno, { op: 'ioctl', path: chosen.path });
    }
  }
  return new SgioTransport(path, chosen.path, node, fd, libc, options);
}
