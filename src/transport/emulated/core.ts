// The virtual drive's state: tray, loaded disc, block store, drive buffer, Write Parameters page,
// speeds, pending unit attention and media events. Command handlers (commands/) act on it;
// drive.ts wraps it in the Transport contract.

import type { Clock } from '../clock.js';
import { DriveBuffer } from './buffer.js';
import { fail, Sense, type SenseCode } from './check.js';
import { Disc } from './disc.js';
import type { WriteContext } from './disc-layout.js';
import { writeParameterCodes } from '../../scsi/mmc/mode-pages/write-parameters-codes.js';
import type { CuePlan } from './cue-plan.js';
import { bytesPerSecond, DATA_BLOCK_SIZES, MEDIA, type MediaId, type MediaSpec } from './media.js';
import type { VirtualDriveOptions } from './address.js';
import type { BlockStore } from './image/block-store.js';
import { checkAgainstImage, imageSize, openDiscFiles } from './image/disc-files.js';
import { FileStore, type FileStoreOptions } from './image/file-store.js';
import { LayoutSaves } from './image/layout-saves.js';
import { recoverRecordedTail } from './layout-recovery.js';
import { MemoryStore } from './image/memory-store.js';
import { decodeOdd, readSidecar, sidecarText, writeSidecar } from './image/sidecar.js';
import { invalidArgument } from '../../errors.js';
import { OperationInProgress } from './operation.js';
import { stopBackgroundFormat } from './background-format.js';
import type { WriteProtectionStatus } from '../../scsi/mmc/write-protection-status.js';
import type { WriteParametersPage } from '../../scsi/mmc/mode-pages/write-parameters.js';
import type { ReadWriteErrorRecoveryPage } from '../../scsi/mmc/mode-pages/read-write-error-recovery.js';

/** The Write Parameters page a drive powers up with. */
export function defaultWriteParameters(
  spec: MediaSpec | undefined,
  bufe: boolean,
): WriteParametersPage {
  const cd = spec === undefined || spec.family === 'cd';
  return {
    ps: false,
    bufe,
    lsV: false,
    testWrite: false,
    // CD: TAO Mode 1; DVD/BD: incremental with Mode 1 blocks.
    writeType: cd ? 1 : 0,
    multiSession: 0,
    fp: false,
    copy: false,
    trackMode: cd ? 4 : 5,
    dataBlockType: 8,
    linkSize: 0,
    initiatorApplicationCode: 0,
    sessionFormat: 0,
    packetSize: 0,
    audioPauseLength: 150,
    mediaCatalogNumber: new Uint8Array(16),
    internationalStandardRecordingCode: new Uint8Array(16),
    subHeader: new Uint8Array(4),
  };
}

export type TrayState = 'closed' | 'open';

export class DriveCore {
  disc: Disc | undefined;
  store: BlockStore;
  tray: TrayState = 'closed';
  prevented = false;
  /** Unit attention the next command reports (media change, reset). */
  attention: SenseCode | undefined;
  /** Media event GET EVENT STATUS NOTIFICATION reports next (MediaEventCode). */
  mediaEvent = 0;
  writeParameters: WriteParametersPage;
  /** FORMAT UNIT / BLANK / CLOSE sent with IMMED, still running (operation.ts). */
  readonly operation: OperationInProgress;
  /** Write protection of the loaded disc (READ DISC STRUCTURE C0h); a drive state, not saved. */
  writeProtection: WriteProtectionStatus = { mswi: false, cwp: false, pwp: false, swpp: false };
  errorRecovery: Partial<ReadWriteErrorRecoveryPage> = {};
  readonly buffer: DriveBuffer;
  /** Current write speed (x of 1x); undefined = the fastest the media offers. */
  writeSpeedX: number | undefined;
  /** Current read speed in kB/s (0xFFFF = max). */
  readSpeedKBps = 0xffff;
  /** The sidecar is behind the disc layout. */
  dirty = false;
  /** The Session-at-Once plan of the last SEND CUE SHEET, until its session is closed. */
  cue: CuePlan | undefined;
  /** Counts recordings, so what is derived from recorded sectors (cd-map.ts) can be cached. */
  generation = 0;
  /**
   * Opened read-only (OpenVirtualDriveOptions.readOnly): commands that record are refused with
   * E_ACCESSDENIED (commands/dispatch.ts), and nothing is ever written to the image's files.
   */
  readonly readOnly: boolean;
  /**
   * The layout as last read from or written to the sidecar (serialised), and the sidecar's text
   * then. persist() writes only a layout that differs from the first, so a drive that changed
   * nothing writes nothing: another process may hold the image meanwhile, and a refused second
   * burner must not put back the layout it opened with. refresh() compares the second.
   */
  #layoutSeen: string | undefined;
  #sidecarSeen: string | undefined;
  /** Checkpoints and sidecar writes of an image-backed disc (image/layout-saves.ts). */
  #saves: LayoutSaves | undefined;

  constructor(
    readonly options: VirtualDriveOptions,
    readonly clock: Clock,
    disc: Disc | undefined,
    store: BlockStore,
    readOnly = false,
  ) {
    this.readOnly = readOnly;
    this.disc = disc;
    this.store = store;
    this.buffer = new DriveBuffer(options.bufferBytes, clock);
    this.operation = new OperationInProgress(clock, options.speedX !== undefined);
    this.writeParameters = defaultWriteParameters(disc?.spec, options.bufe);
    this.writeSpeedX = options.speedX;
    this.updateRate();
    const image = options.image;
    if (image !== undefined && store instanceof FileStore && !readOnly) {
      // What a crash of the process can lose is what the drive declares as its buffer.
      store.limitUnwritten(options.bufferBytes);
      this.#saves = new LayoutSaves({
        image,
        store,
        snapshot: () =>
          this.disc === undefined ? undefined : sidecarText(this.disc.toJSON(), this.store),
        current: () => this.#layoutSeen,
        saved: (text) => {
          this.#layoutSeen = text;
          this.#sidecarSeen = text;
        },
      });
    }
  }

  static async create(
    options: VirtualDriveOptions,
    clock: Clock,
    storeOptions: FileStoreOptions = {},
  ): Promise<DriveCore> {
    const readOnly = storeOptions.readOnly === true;
    if (options.media === 'none') {
      return new DriveCore(options, clock, undefined, new MemoryStore(), readOnly);
    }
    if (options.image === undefined) {
      const disc = freshDisc(options.media, options);
      return new DriveCore(options, clock, disc, new MemoryStore(), readOnly);
    }
    // The files are checked before they are trusted (image/disc-files.ts).
    const { read, store } = await openDiscFiles({ ...options, image: options.image }, storeOptions);
    try {
      let disc: Disc;
      if (read === undefined) {
        disc = freshDisc(options.media, options);
      } else {
        disc = Disc.fromJSON(read.json.disc, options.capacityBlocks);
        store.restore(read.json.stride ?? undefined, decodeOdd(read.json.odd));
        // After a crash the image may hold blocks past the saved NWA (layout-recovery.ts).
        recoverRecordedTail(disc, store.stride, (await imageSize(options.image)) ?? 0);
      }
      const core = new DriveCore(options, clock, disc, store, readOnly);
      if (read !== undefined) core.#seen(read.text);
      else if (!readOnly) await core.persist();
      return core;
    } catch (e) {
      // A drive that does not open lets go of the image (a sidecar the full file system refused).
      await store.close().catch(() => undefined);
      throw e;
    }
  }

  /** Media name in the INQUIRY product string (`VIRTUAL DVD+R`): the media the drive opened with. */
  get productMediaName(): string | undefined {
    return this.options.media === 'none' ? undefined : MEDIA[this.options.media].name;
  }

  get spec(): MediaSpec | undefined {
    return this.disc?.spec;
  }

  /** The loaded disc, or NOT READY (medium not present). */
  media(): Disc {
    if (this.tray === 'open') fail(Sense.MEDIUM_NOT_PRESENT_TRAY_OPEN);
    if (this.disc === undefined) fail(Sense.MEDIUM_NOT_PRESENT_TRAY_CLOSED);
    return this.disc;
  }

  /** Bytes per block of a WRITE: the Data Block Type on CD, 2048 elsewhere. */
  writeBlockSize(): number {
    if (this.spec?.family !== 'cd') return 2048;
    return DATA_BLOCK_SIZES[this.writeParameters.dataBlockType] ?? 2048;
  }

  writeContext(): WriteContext {
    const wp = this.writeParameters;
    const dbt = wp.dataBlockType;
    return {
      writeType: wp.writeType,
      testWrite: wp.testWrite && this.spec?.testWrite === true,
      trackMode: wp.trackMode,
      dataMode: dbt === 8 ? 1 : dbt >= 9 ? 2 : 1,
      ...writeParameterCodes(wp),
    };
  }

  /** The write speed in effect, as a multiple of 1x. */
  effectiveSpeedX(): number {
    const speeds = this.spec?.speedsX ?? [1];
    const max = speeds[speeds.length - 1] ?? 1;
    return this.writeSpeedX === undefined ? max : this.writeSpeedX;
  }

  /** Paces the buffer at the current speed, unless the drive runs at `speed=max`. */
  updateRate(): void {
    const spec = this.spec;
    if (this.options.speedX === undefined || spec === undefined) {
      this.buffer.setRate(0);
      return;
    }
    this.buffer.setRate(bytesPerSecond(spec, this.effectiveSpeedX(), this.writeBlockSize()));
  }

  /** Selects the nearest offered write speed not above `kBps` (the slowest when none is). */
  selectWriteSpeed(kBps: number): void {
    const spec = this.spec;
    if (spec === undefined) return;
    if (kBps >= 0xffff) {
      this.writeSpeedX = undefined;
    } else {
      let chosen = spec.speedsX[0] ?? 1;
      for (const x of spec.speedsX) if (x * spec.oneXKBps <= kBps * 1.005) chosen = x;
      this.writeSpeedX = chosen;
    }
    this.updateRate();
  }

  /** Writes the sidecar (image-backed discs), after the data cache: a sidecar never describes
   *  blocks the image file does not hold yet. */
  async persist(): Promise<void> {
    this.dirty = false;
    if (this.options.image === undefined || this.disc === undefined) return;
    await this.store.writeOut();
    const text = sidecarText(this.disc.toJSON(), this.store);
    // After the checkpoints' writes, never overtaken by one of them (image/layout-saves.ts).
    if (this.#saves !== undefined) return this.#saves.save(text);
    if (text === this.#layoutSeen) return;
    await writeSidecar(this.options.image, text);
    this.#layoutSeen = text;
    this.#sidecarSeen = text;
  }

  /**
   * Before the first WRITE to the main area of an image-backed disc: the sidecar records its
   * block size while the image holds none of its data yet, so no image ever holds data its
   * sidecar cannot say how to read (a DVD-RAM killed before its first layout save read as zeros).
   */
  async fixStride(blockSize: number): Promise<void> {
    if (this.store.stride !== undefined || this.#saves === undefined) return;
    this.store.fixStride(blockSize);
    try {
      await this.persist();
    } catch (e) {
      // The WRITE fails, and the next one tries again: no data before the sidecar has the size.
      this.store.fixStride(undefined);
      throw e;
    }
  }

  /** A WRITE recorded `bytes`: a checkpoint of the layout may be due (image/layout-saves.ts). */
  recorded(bytes: number): void {
    this.#saves?.recorded(bytes);
  }

  /** BLANK / FORMAT UNIT empty the store, once no checkpoint is under way. */
  async clearStore(): Promise<void> {
    await this.#saves?.settle();
    await this.store.clear();
    this.cue = undefined;
    this.generation++;
  }

  /** Lets go of the store (the drive closes): no more checkpoints, then the image is closed. */
  async closeStore(): Promise<void> {
    try {
      await this.#saves?.stop();
    } finally {
      this.#saves = undefined;
      await this.store.close();
    }
  }

  /** The layout now in memory is the one of the sidecar text `text`. */
  #seen(text: string): void {
    this.#sidecarSeen = text;
    this.#layoutSeen =
      this.disc === undefined ? undefined : sidecarText(this.disc.toJSON(), this.store);
  }

  /**
   * Picks up what another process recorded on the image since this drive opened it (called once
   * exclusive access is held): the layout and side map are read again, provided this drive has
   * changed nothing itself. The data needs nothing: reads go to the image file.
   */
  async refresh(): Promise<void> {
    const image = this.options.image;
    const disc = this.disc;
    if (image === undefined || disc === undefined || !(this.store instanceof FileStore)) return;
    if (this.dirty || sidecarText(disc.toJSON(), this.store) !== this.#layoutSeen) return;
    const read = await readSidecar(image);
    if (read === undefined || read.text === this.#sidecarSeen) return;
    const size = await imageSize(image);
    checkAgainstImage(image, read, size);
    if (read.json.disc.media !== disc.spec.id) {
      throw invalidArgument(
        `virtual drive: ${image} now holds a ${read.json.disc.media} disc, not ${disc.spec.id}`,
      );
    }
    this.disc = Disc.fromJSON(read.json.disc, this.options.capacityBlocks);
    this.store.restore(read.json.stride ?? undefined, decodeOdd(read.json.odd));
    recoverRecordedTail(this.disc, this.store.stride, size ?? 0);
    this.#seen(read.text);
  }

  /** Data and layout reach stable storage (SYNCHRONIZE CACHE, CLOSE, eject, close). */
  async flush(): Promise<void> {
    // A read-only drive recorded nothing, and may not touch the files.
    if (this.readOnly) return;
    await this.store.sync();
    await this.persist();
  }

  /** Replaces the disc in the tray (control.load): a new medium and a unit attention. */
  async load(
    media: MediaId | Disc,
    options: { capacity?: number; formatted?: boolean } = {},
  ): Promise<void> {
    await this.unload();
    this.cue = undefined;
    this.generation++;
    this.disc =
      typeof media === 'string'
        ? Disc.fresh(media, {
            ...(options.capacity !== undefined ? { capacity: options.capacity } : {}),
            formatted: options.formatted ?? false,
          })
        : media;
    this.store = new MemoryStore();
    this.tray = 'closed';
    this.writeParameters = defaultWriteParameters(this.disc.spec, this.writeParameters.bufe);
    this.writeSpeedX = this.options.speedX;
    this.updateRate();
    this.attention = Sense.MEDIUM_MAY_HAVE_CHANGED;
    this.mediaEvent = 2; // NewMedia
  }

  /** START STOP UNIT eject: the tray opens with the disc on it. */
  async openTray(): Promise<void> {
    this.buffer.stop();
    if (this.disc !== undefined) stopBackgroundFormat(this.disc);
    if (this.disc !== undefined && this.dirty) await this.flush();
    if (this.tray === 'closed' && this.disc !== undefined) this.mediaEvent = 3; // MediaRemoval
    this.tray = 'open';
  }

  /**
   * START STOP UNIT load: the tray closes; a disc on it becomes a new medium. With
   * `loadAttention=off` the host that asked for the load is told of it by nothing but GET EVENT
   * STATUS NOTIFICATION (NewMedia), as drives that report no unit attention then (tgt too).
   */
  closeTray(): void {
    if (this.tray === 'closed') return;
    this.tray = 'closed';
    if (this.disc !== undefined) {
      if (this.options.loadAttention) this.attention = Sense.MEDIUM_MAY_HAVE_CHANGED;
      this.mediaEvent = 2; // NewMedia
    }
  }

  /** Takes the disc out (control.eject). */
  async unload(): Promise<void> {
    this.buffer.stop();
    this.operation.clear();
    if (this.disc !== undefined) {
      if (this.dirty) await this.flush();
      await this.closeStore();
    }
    this.disc = undefined;
    this.cue = undefined;
    this.generation++;
    this.store = new MemoryStore();
    this.tray = 'open';
    this.mediaEvent = 3; // MediaRemoval
  }
}

function freshDisc(media: MediaId, options: VirtualDriveOptions): Disc {
  const spec = MEDIA[media];
  return Disc.fresh(spec.id, {
    ...(options.capacityBlocks !== undefined ? { capacity: options.capacityBlocks } : {}),
    formatted: options.formatted,
  });
}
