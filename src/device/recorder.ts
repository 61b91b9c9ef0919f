// DiscRecorder: discwright's IDiscRecorder2 + IDiscRecorder2Ex (spec §4) over a Transport: the
// class, its lifecycle and identity, wired to the modules that do the work: command-runner.ts (the
// queue; status and sense judged by sense-policy.ts), raw-commands.ts (SendCommand*),
// structures.ts, feature-pages.ts, mode-pages.ts, typed-helpers.ts and transfer-limits.ts (beyond
// IMAPI2), exclusive-access.ts.

import { DwError, HR, invalidArgument } from '../errors.js';
import type { ScsiCommand, ScsiResult } from '../scsi/command.js';
import { decodeInquiryData, inquiry, type InquiryData } from '../scsi/spc/inquiry.js';
import type { DiscInformation } from '../scsi/mmc/read-disc-information.js';
import type { WriteSpeedDescriptor } from '../scsi/mmc/get-performance.js';
import type { ReadBufferCapacityData } from '../scsi/mmc/read-buffer-capacity.js';
import type { TrackInformation } from '../scsi/mmc/read-track-information.js';
import type { ReadCapacity10Data } from '../scsi/block/read-capacity-10.js';
import type { PlatformInfo, Transport } from '../transport/transport.js';
import { openTransport } from './address.js';
import { checkTimeout } from './arguments.js';
import { checkClientName } from './client-name.js';
import { CommandRunner } from './command-runner.js';
import * as cmd from './commands.js';
import { AccessHolds } from './exclusive-access.js';
import * as features from './feature-pages.js';
import * as modePages from './mode-pages.js';
import * as raw from './raw-commands.js';
import * as structures from './structures.js';
import * as helpers from './typed-helpers.js';
import { transferLimits, type TransferLimits } from './transfer-limits.js';
import {
  IMAPI2_DEFAULT_COMMAND_TIMEOUT,
  type AdapterDescriptor,
  type CommandOptions,
  type DiscRecorderOptions,
  type DeviceDescriptor,
  type DiscRecorder2,
  type DiscRecorderEx,
  type HeldSendCapability,
  type ModePageRequestType,
  type QueuedSendCapability,
  type ReadTrackAddressType,
  type SenseResult,
} from './types.js';

export type { CommandOptions, DiscRecorderOptions } from './types.js';

/** START STOP UNIT can wait for the tray and the spindle. */
const TRAY_TIMEOUT_SEC = 60;

/** discwright's MsftDiscRecorder2: both IDiscRecorder2 and IDiscRecorder2Ex. */
export class DiscRecorder implements DiscRecorder2, DiscRecorderEx {
  readonly #options: DiscRecorderOptions;
  #runner: CommandRunner | undefined;
  #id = '';
  #inquiry: InquiryData | undefined;
  #platform: PlatformInfo | undefined;
  #canLoad = false;
  readonly #holds = new AccessHolds();
  /** What `heldWrites` and `queuedWrites` give while the transport declares them. */
  readonly #sends = raw.sendCapabilities(() => this.#commands());

  constructor(options: DiscRecorderOptions = {}) {
    this.#options = options;
  }

  /** A recorder bound to `uniqueId` (IDiscRecorder2::InitializeDiscRecorder). */
  static async open(uniqueId: string, options: DiscRecorderOptions = {}): Promise<DiscRecorder> {
    const r = new DiscRecorder(options);
    await r.initializeDiscRecorder(uniqueId);
    return r;
  }

  /** A recorder over an already open transport; it owns the transport from now on. */
  static async fromTransport(
    transport: Transport,
    options: DiscRecorderOptions = {},
  ): Promise<DiscRecorder> {
    const r = new DiscRecorder(options);
    await r.#bind(transport, transport.address);
    return r;
  }

  /** IDiscRecorder2::InitializeDiscRecorder: open the device and read its identity. */
  async initializeDiscRecorder(uniqueId: string): Promise<void> {
    if (typeof uniqueId !== 'string' || uniqueId.length === 0) {
      throw invalidArgument('initializeDiscRecorder needs a recorder id');
    }
    if (this.#options.exclusive !== undefined) checkClientName(this.#options.exclusive.clientName);
    const transport = await openTransport(uniqueId, this.#options);
    if (this.#runner !== undefined) await this.close();
    await this.#bind(transport, uniqueId);
  }

  async #bind(transport: Transport, id: string): Promise<void> {
    const runner = new CommandRunner(transport);
    this.#runner = runner;
    this.#id = id;
    try {
      const ex = this.#options.exclusive;
      // Before any command: a drive another program is burning must not get even an INQUIRY.
      if (ex !== undefined) await this.#holds.acquireOnOpen(transport, ex);
      // 36 bytes: the standard part, and the length USB bridges are known to handle.
      const r = await runner.run(inquiry());
      this.#inquiry = runner.decode(inquiry(), () => decodeInquiryData(r.dataIn));
      this.#platform = transport.platform?.() ?? {
        volumeName: transport.address,
        volumePathNames: [],
        legacyDeviceNumber: -1,
      };
      this.#canLoad = await features.hasTrayLoader(runner);
    } catch (e) {
      this.#runner = undefined;
      this.#id = '';
      await this.#holds.releaseAll(transport);
      await transport.close().catch(() => undefined);
      throw e;
    }
  }

  /** IDiscRecorder2 Release: free the device and any locks this object holds. Idempotent. */
  async close(): Promise<void> {
    const runner = this.#runner;
    if (runner === undefined) return;
    await runner.idle();
    try {
      await this.#holds.releaseAll(runner.transport);
    } finally {
      this.#runner = undefined;
      await runner.transport.close();
    }
  }

  /** The runner of the bound transport; 0x80070006 before initializeDiscRecorder or after close. */
  #commands(): CommandRunner {
    const runner = this.#runner;
    if (runner === undefined) {
      throw new DwError(HR.ERROR_INVALID_HANDLE, {
        message: 'the recorder is not initialised (call initializeDiscRecorder) or was closed',
      });
    }
    return runner;
  }

  #bound(): Transport {
    return this.#commands().transport;
  }

  // ---- identity (IDiscRecorder2) ----

  get activeDiscRecorder(): string {
    this.#bound();
    return this.#id;
  }
  get vendorId(): string {
    this.#bound();
    return this.#inquiry?.vendorIdentification ?? '';
  }
  get productId(): string {
    this.#bound();
    return this.#inquiry?.productIdentification ?? '';
  }
  get productRevision(): string {
    this.#bound();
    return this.#inquiry?.productRevisionLevel ?? '';
  }
  get volumeName(): string {
    this.#bound();
    return this.#platform?.volumeName ?? this.#id;
  }
  get volumePathNames(): string[] {
    this.#bound();
    return [...(this.#platform?.volumePathNames ?? [])];
  }
  get deviceCanLoadMedia(): boolean {
    this.#bound();
    return this.#canLoad;
  }
  get legacyDeviceNumber(): number {
    this.#bound();
    return this.#platform?.legacyDeviceNumber ?? -1;
  }
  /** The decoded standard INQUIRY data read when the recorder was bound. */
  get inquiryData(): InquiryData {
    this.#bound();
    return this.#inquiry as InquiryData;
  }
  /** The transport under this recorder (for diagnostics and tests). */
  get transport(): Transport {
    return this.#bound();
  }

  /**
   * Run a command for a typed helper: GOOD (or RECOVERED ERROR) resolves; any other sense rejects
   * with the mapped DwError. A first unit attention (6/28, 6/29) is retried once, at once.
   */
  async executeCommand(command: ScsiCommand, options: CommandOptions = {}): Promise<ScsiResult> {
    const timeoutSec = checkTimeout(options.timeoutSec ?? IMAPI2_DEFAULT_COMMAND_TIMEOUT);
    return this.#commands().run(command, timeoutSec);
  }

  // ---- IDiscRecorder2Ex: raw commands (spec §4.3–§4.5) ----

  /** IDiscRecorder2Ex::SendCommandNoData. A device failure resolves S_IMAPI_COMMAND_HAS_SENSE_DATA. */
  async sendCommandNoData(cdb: Uint8Array, timeoutSec: number): Promise<SenseResult> {
    return raw.sendCommandNoData(this.#commands(), cdb, timeoutSec);
  }
  /** IDiscRecorder2Ex::SendCommandSendDataToDevice. */
  async sendCommandSendDataToDevice(
    cdb: Uint8Array,
    timeoutSec: number,
    data: Uint8Array,
  ): Promise<SenseResult> {
    return raw.sendCommandSendDataToDevice(this.#commands(), cdb, timeoutSec, data);
  }
  /** Beyond IMAPI2: SendCommandSendDataToDevice with a hold on `data` (HeldSendCapability),
   *  while the transport declares held writes; undefined otherwise and when not bound. */
  get heldWrites(): HeldSendCapability | undefined {
    return this.#runner?.transport.heldWrites === undefined ? undefined : this.#sends.held;
  }
  /** Beyond IMAPI2: queued writes (QueuedSendCapability), as heldWrites. */
  get queuedWrites(): QueuedSendCapability | undefined {
    return this.#runner?.transport.queuedWrites === undefined ? undefined : this.#sends.queued;
  }
  /** IDiscRecorder2Ex::SendCommandGetDataFromDevice. `data` holds the bytes actually received. */
  async sendCommandGetDataFromDevice(
    cdb: Uint8Array,
    timeoutSec: number,
    length: number,
  ): Promise<SenseResult & { readonly data: Uint8Array }> {
    return raw.sendCommandGetDataFromDevice(this.#commands(), cdb, timeoutSec, length);
  }

  // ---- IDiscRecorder2Ex: structures, descriptors, limits ----

  /** IDiscRecorder2Ex::ReadDvdStructure: READ DISC STRUCTURE (media type 0), header removed. */
  async readDvdStructure(
    format: number,
    address: number,
    layer: number,
    agid: number,
  ): Promise<Uint8Array> {
    return structures.readDvdStructure(this.#commands(), format, address, layer, agid);
  }
  /** IDiscRecorder2Ex::SendDvdStructure: SEND DISC STRUCTURE with the 4-byte header prepended. */
  async sendDvdStructure(format: number, data: Uint8Array): Promise<void> {
    return structures.sendDvdStructure(this.#commands(), format, data);
  }
  /** IDiscRecorder2Ex::GetDiscInformation: the raw READ DISC INFORMATION reply, all of it. */
  async getDiscInformation(): Promise<Uint8Array> {
    return structures.getDiscInformation(this.#commands());
  }
  /** IDiscRecorder2Ex::GetTrackInformation: the raw READ TRACK INFORMATION reply. */
  async getTrackInformation(address: number, type: ReadTrackAddressType): Promise<Uint8Array> {
    return structures.getTrackInformation(this.#commands(), address, type);
  }
  /** IDiscRecorder2Ex::GetAdapterDescriptor. */
  async getAdapterDescriptor(): Promise<AdapterDescriptor> {
    return Promise.resolve(structures.adapterDescriptor(this.#bound().limits()));
  }
  /** IDiscRecorder2Ex::GetDeviceDescriptor. */
  async getDeviceDescriptor(): Promise<DeviceDescriptor> {
    const l = this.#bound().limits();
    return Promise.resolve(structures.deviceDescriptor(l, this.#inquiry as InquiryData));
  }
  async getByteAlignmentMask(): Promise<number> {
    return Promise.resolve(this.#bound().limits().alignment);
  }
  async getMaximumNonPageAlignedTransferSize(): Promise<number> {
    return Promise.resolve(this.#bound().limits().maxNonPageAlignedTransferBytes);
  }
  async getMaximumPageAlignedTransferSize(): Promise<number> {
    return Promise.resolve(this.#bound().limits().maxPageAlignedTransferBytes);
  }
  /** Beyond IMAPI2: the path's and the drive's transfer limits (Block Limits read once). */
  async getTransferLimits(): Promise<TransferLimits> {
    return transferLimits(this.#commands(), this.#inquiry as InquiryData);
  }

  // ---- feature pages and profiles (spec §4.6) ----

  /** IDiscRecorder2Ex::GetFeaturePage: one descriptor, feature header removed. */
  async getFeaturePage(feature: number, currentOnly: boolean): Promise<Uint8Array> {
    return features.getFeaturePage(this.#commands(), feature, currentOnly);
  }
  /** IDiscRecorder2::SupportedFeaturePages / CurrentFeaturePages. */
  async getSupportedFeaturePages(currentOnly: boolean): Promise<number[]> {
    return features.getSupportedFeaturePages(this.#commands(), currentOnly);
  }
  /** IDiscRecorder2::SupportedProfiles / CurrentProfiles: from the Profile List (feature 0). */
  async getSupportedProfiles(currentOnly: boolean): Promise<number[]> {
    return features.getSupportedProfiles(this.#commands(), currentOnly);
  }
  /** The current profile from the feature header (0 when none is loaded). */
  async getCurrentProfile(): Promise<number> {
    return features.getCurrentProfile(this.#commands());
  }

  // ---- mode pages (spec §4.6) ----

  /** IDiscRecorder2Ex::GetModePage: the page bytes only. */
  async getModePage(page: number, request: ModePageRequestType): Promise<Uint8Array> {
    return modePages.getModePage(this.#commands(), page, request);
  }
  /** IDiscRecorder2Ex::SetModePage: the bare page; the header is built for it. */
  async setModePage(request: ModePageRequestType, page: Uint8Array): Promise<void> {
    return modePages.setModePage(this.#commands(), request, page);
  }
  /** IDiscRecorder2::SupportedModePages: MODE SENSE(10) for page 3Fh. */
  async getSupportedModePages(request: ModePageRequestType): Promise<number[]> {
    return modePages.getSupportedModePages(this.#commands(), request);
  }

  // ---- typed helpers (decoded structures; beyond IMAPI2) ----

  /** READ DISC INFORMATION, decoded; `msf: true` on CD, where its addresses are MSF. */
  async discInformation(o: helpers.DiscInformationOptions = {}): Promise<DiscInformation> {
    return helpers.discInformation(this.#commands(), o);
  }
  /** READ CAPACITY(10), decoded: the last recorded LBA and the block length. */
  async capacity(): Promise<ReadCapacity10Data> {
    return helpers.capacity(this.#commands());
  }
  /** READ BUFFER CAPACITY (Block = 0), decoded. */
  async bufferCapacity(): Promise<ReadBufferCapacityData> {
    return helpers.bufferCapacity(this.#commands());
  }
  /** READ TRACK INFORMATION, decoded. */
  async trackInformation(address: number, type: ReadTrackAddressType): Promise<TrackInformation> {
    return helpers.trackInformation(this.#commands(), address, type);
  }
  /** GET PERFORMANCE Type 03h: the write speeds the drive offers for the loaded medium. */
  async writeSpeeds(): Promise<WriteSpeedDescriptor[]> {
    return helpers.writeSpeeds(this.#commands());
  }
  /** TEST UNIT READY; rejects with the mapped error when the drive is not ready. */
  async testUnitReady(): Promise<void> {
    return helpers.testUnitReady(this.#commands());
  }
  /** SYNCHRONIZE CACHE(10) for the whole medium. */
  async synchronizeCache(options: { immed?: boolean; timeoutSec?: number } = {}): Promise<void> {
    return helpers.synchronizeCache(this.#commands(), options);
  }
  /** READ(10) of `blocks` blocks of `blockSize` bytes from `lba`. */
  async readBlocks(lba: number, blocks: number, blockSize = 2048): Promise<Uint8Array> {
    return helpers.readBlocks(this.#commands(), lba, blocks, blockSize);
  }

  // ---- IDiscRecorder2: tray, exclusive access, MCN ----

  /** IDiscRecorder2::EjectMedia: START STOP UNIT, LoEj = 1, Start = 0. */
  async ejectMedia(): Promise<void> {
    await this.#commands().run(cmd.ejectMedium(), TRAY_TIMEOUT_SEC);
  }
  /** IDiscRecorder2::CloseTray: START STOP UNIT, LoEj = 1, Start = 1; E_NOTIMPL without a loader. */
  async closeTray(): Promise<void> {
    const runner = this.#commands();
    if (!this.#canLoad) {
      throw new DwError(HR.E_NOTIMPL, { message: 'the drive has no tray loading mechanism' });
    }
    await runner.run(cmd.loadMedium(), TRAY_TIMEOUT_SEC);
  }
  /** IDiscRecorder2::AcquireExclusiveAccess (reference-counted). */
  async acquireExclusiveAccess(force: boolean, clientName: string): Promise<void> {
    return this.#holds.acquire(this.#bound(), force, clientName);
  }
  /** IDiscRecorder2::ReleaseExclusiveAccess: frees the lock at count 0; surplus calls are no-ops. */
  async releaseExclusiveAccess(): Promise<void> {
    return this.#holds.release(this.#bound());
  }
  /** IDiscRecorder2::ExclusiveAccessOwner ('' when nobody holds it). */
  async getExclusiveAccessOwner(): Promise<string> {
    return this.#holds.owner(this.#bound());
  }
  /** Current exclusive-access reference count of this object. */
  get exclusiveAccessCount(): number {
    return this.#holds.exclusiveCount;
  }
  /** IDiscRecorder2::DisableMcn (reference-counted, best effort per platform). */
  async disableMcn(): Promise<void> {
    return this.#holds.disableMcn(this.#bound());
  }
  /** IDiscRecorder2::EnableMcn. */
  async enableMcn(): Promise<void> {
    return this.#holds.enableMcn(this.#bound());
  }
  /** Current media-change-notification suppression count. */
  get mcnDisabledCount(): number {
    return this.#holds.mcnDisabledCount;
  }
}
