// The virtual drive's control surface for tests (drive.control): faults to inject, the command
// log, a read-only view of the disc and the drive's recording state, and the hands that take the
// disc out and put one in (docs/virtual-drive.md, "Control surface").

import type { WriteParametersPage } from '../../scsi/mmc/mode-pages/write-parameters.js';
import type { LogEntry } from './command-log.js';
import type { DriveCore } from './core.js';
import type { DiscStatus, Session, Track } from './disc-layout.js';
import { Faults } from './faults.js';
import type { MediaId } from './media.js';

/** Read-only view of the loaded disc and the drive's recording state. */
export class MediaInspection {
  readonly #core: DriveCore;

  constructor(core: DriveCore) {
    this.#core = core;
  }

  /** A disc is in the drive and the tray is closed. */
  get loaded(): boolean {
    return this.#core.disc !== undefined && this.#core.tray === 'closed';
  }
  get trayOpen(): boolean {
    return this.#core.tray === 'open';
  }
  get prevented(): boolean {
    return this.#core.prevented;
  }
  get media(): MediaId | undefined {
    return this.#core.disc?.spec.id;
  }
  /** Current profile (0 when empty). */
  get profile(): number {
    return this.#core.disc?.profile ?? 0;
  }
  get discStatus(): DiscStatus | undefined {
    return this.#core.disc?.status().disc;
  }
  get capacity(): number {
    return this.#core.disc?.capacity ?? 0;
  }
  get formatted(): boolean {
    return this.#core.disc?.formatted ?? false;
  }
  get finalized(): boolean {
    return this.#core.disc?.finalized ?? false;
  }
  /** A DVD-RW after a minimal BLANK: only DAO records until a full BLANK or FORMAT UNIT. */
  get minimallyBlanked(): boolean {
    return this.#core.disc?.minimallyBlanked ?? false;
  }
  /** A BD-R formatted SRM+POW: recorded blocks may be overwritten (pseudo-overwrite). */
  get pseudoOverwrite(): boolean {
    return this.#core.disc?.pow ?? false;
  }
  /** Copies of the tracks. */
  get tracks(): Track[] {
    return (this.#core.disc?.tracks ?? []).map((t) => ({ ...t }));
  }
  get sessions(): Session[] {
    return (this.#core.disc?.sessions ?? []).map((s) => ({ ...s }));
  }
  /** Next writable address of the invisible track, undefined when there is none. */
  get nwa(): number | undefined {
    return this.#core.disc?.invisibleTrack?.nwa;
  }
  /** Stored bytes of `count` blocks from `lba` (each in the size it was written; zeros where
   *  nothing was written). Test hooks read the disc surface, not what READ would allow. */
  async readBlocks(lba: number, count: number): Promise<Uint8Array> {
    const store = this.#core.store;
    const stride = store.stride ?? 2048;
    if (lba >= 0 && store.stride !== undefined && store.plain(lba, count)) {
      return store.readRun(lba, count);
    }
    const parts: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      parts.push((await store.readBlock(lba + i)) ?? new Uint8Array(stride));
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  /** Underruns while recording (bridged links plus losses of streaming). */
  get underruns(): number {
    return this.#core.buffer.links + this.#core.buffer.losses;
  }
  /** Underruns bridged by BUFE / lossless linking. */
  get links(): number {
    return this.#core.buffer.links;
  }
  /** Underruns that failed a WRITE with 03/0C/09. */
  get lossesOfStreaming(): number {
    return this.#core.buffer.losses;
  }
  /** Bytes in the drive buffer now. */
  get bufferFill(): number {
    return this.#core.buffer.fill;
  }
  get bufferSize(): number {
    return this.#core.buffer.size;
  }
  /** Current write speed as a multiple of 1x. */
  get writeSpeedX(): number {
    return this.#core.effectiveSpeedX();
  }
  /** The current Write Parameters mode page. */
  get writeParameters(): WriteParametersPage {
    return this.#core.writeParameters;
  }
  /** Bytes per block a WRITE must carry now. */
  get writeBlockSize(): number {
    return this.#core.writeBlockSize();
  }
}

/** The control surface tests use (`drive.control`). */
export class VirtualDriveControl {
  readonly faults = new Faults();
  readonly log: LogEntry[] = [];
  readonly media: MediaInspection;
  readonly #core: DriveCore;

  constructor(core: DriveCore) {
    this.#core = core;
    this.media = new MediaInspection(core);
  }

  /** Takes the disc out and leaves the tray open (flushing an image-backed disc first). */
  async eject(): Promise<void> {
    await this.#core.unload();
  }

  /**
   * Write-protects the loaded disc as a drive reports it (READ DISC STRUCTURE C0h): `software`
   * (SWPP, until power down), `persistent` (PWP), `cartridge` (CWP) or `media` (MSWI, e.g. a
   * write-inhibit DCB). Commands that record then fail with 07/27/xx. All false lifts it.
   */
  writeProtect(p: {
    readonly software?: boolean;
    readonly persistent?: boolean;
    readonly cartridge?: boolean;
    readonly media?: boolean;
  }): void {
    this.#core.writeProtection = {
      swpp: p.software === true,
      pwp: p.persistent === true,
      cwp: p.cartridge === true,
      mswi: p.media === true,
    };
  }

  /** Puts a fresh disc in and closes the tray: the next command sees unit attention 06/28/00. */
  async load(
    media: MediaId,
    options: { readonly capacity?: number; readonly formatted?: boolean } = {},
  ): Promise<void> {
    await this.#core.load(media, {
      ...(options.capacity !== undefined ? { capacity: options.capacity } : {}),
      ...(options.formatted !== undefined ? { formatted: options.formatted } : {}),
    });
  }
}
