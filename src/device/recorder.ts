// DiscRecorder: discwright's IDiscRecorder2 + IDiscRecorder2Ex (spec §4) over a Transport. The one
// place where SCSI status and sense become DwErrors with the mapped HRESULT (spec §4.5, §7).
// Commands are queued FIFO because a transport accepts one command at a time.

import { DwError, HR } from '../errors.js';
import { ByteReader } from '../scsi/bytes.js';
import {
  scsiCommand,
  type DataOutHold,
  type ScsiCommand,
  type ScsiResult,
} from '../scsi/command.js';
import { opcodeName } from '../scsi/opcodes.js';
import { decodeInquiryData, inquiry, type InquiryData } from '../scsi/spc/inquiry.js';
import { ALL_MODE_PAGES } from '../scsi/spc/mode-pages.js';
import {
  FEATURE_HEADER_LENGTH,
  GetConfigurationRt,
  decodeGetConfigurationData,
  type GetConfigurationData,
} from '../scsi/mmc/get-configuration.js';
import type { FeatureDescriptor } from '../scsi/mmc/features/feature-descriptor.js';
import { FeaturePageType } from '../scsi/mmc/features/feature-codes.js';
import {
  LoadingMechanismType,
  decodeRemovableMediumFeature,
} from '../scsi/mmc/features/removable-medium.js';
import { decodeProfileListFeature } from '../scsi/mmc/features/profile-list.js';
import {
  decodeReadDiscInformationData,
  type DiscInformation,
} from '../scsi/mmc/read-disc-information.js';
import {
  PERFORMANCE_DESCRIPTOR_LENGTH,
  PERFORMANCE_HEADER_LENGTH,
  decodeWriteSpeedData,
  getPerformanceFullLength,
  type WriteSpeedDescriptor,
} from '../scsi/mmc/get-performance.js';
import {
  READ_BUFFER_CAPACITY_DATA_LENGTH,
  decodeReadBufferCapacityData,
  type ReadBufferCapacityData,
} from '../scsi/mmc/read-buffer-capacity.js';
import {
  decodeReadTrackInformationData,
  type TrackInformation,
} from '../scsi/mmc/read-track-information.js';
import {
  decodeReadCapacity10Data,
  type ReadCapacity10Data,
} from '../scsi/block/read-capacity-10.js';
import type { Clock } from '../transport/clock.js';
import type { PlatformInfo, Transport } from '../transport/transport.js';
import { openTransport } from './address.js';
import { checkCdb } from './cdb-check.js';
import { checkClientName, type ExclusiveOnOpen } from './client-name.js';
import * as cmd from './commands.js';
import { completionVerdict, failureError, rejectionError, statusOutcome } from './sense-policy.js';
import {
  IMAPI2_DEFAULT_COMMAND_TIMEOUT,
  ModePageRequestType,
  ReadTrackAddressType,
  type AdapterDescriptor,
  type DeviceDescriptor,
  type DiscRecorder2,
  type DiscRecorderEx,
  type SendDataOptions,
  type SenseResult,
} from './types.js';

export interface DiscRecorderOptions {
  /** Passed to the transport (the virtual drive paces itself with it). */
  readonly clock?: Clock;
  /**
   * Take exclusive access right after the transport opens, before the first command (INQUIRY)
   * reaches the device, as a burner must: held elsewhere, opening fails and nothing was sent.
   * Held as one reference of acquireExclusiveAccess(); close() releases it.
   */
  readonly exclusive?: ExclusiveOnOpen;
}

export interface CommandOptions {
  /** Default IMAPI2_DEFAULT_COMMAND_TIMEOUT (10 s). */
  readonly timeoutSec?: number;
}

const FIXED_SENSE_LENGTH = 18;
const GET_CONFIGURATION_MAX = 0xfff8;
const MODE_SENSE_MAX = 0xfff8;

function invalid(message: string): DwError {
  return new DwError(HR.E_INVALIDARG, { message });
}

function checkTimeout(timeoutSec: unknown): number {
  if (typeof timeoutSec !== 'number' || !Number.isInteger(timeoutSec) || timeoutSec < 1) {
    throw invalid('timeoutSec must be an integer ≥ 1');
  }
  return timeoutSec;
}

function checkInt(v: unknown, min: number, max: number, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(`${name} must be an integer ${min}..${max}`);
  }
  return v;
}

function checkBool(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw invalid(`${name} must be a boolean`);
  return v;
}

function malformed(command: ScsiCommand, e: unknown): DwError {
  return new DwError(HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, {
    message: `${command.name}: the drive's reply is malformed (${e instanceof Error ? e.message : String(e)})`,
    cause: e,
    command: command.name,
    cdb: command.cdb,
  });
}

/** discwright's MsftDiscRecorder2: both IDiscRecorder2 and IDiscRecorder2Ex. */
export class DiscRecorder implements DiscRecorder2, DiscRecorderEx {
  readonly #options: DiscRecorderOptions;
  #transport: Transport | undefined;
  #id = '';
  #inquiry: InquiryData | undefined;
  #platform: PlatformInfo | undefined;
  #canLoad = false;
  /** True while a command is at the transport; later ones wait in #waiting, in order. */
  #busy = false;
  readonly #waiting: (() => void)[] = [];
  #exclusiveCount = 0;
  #exclusiveOwner = '';
  #mcnDisabled = 0;

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
      throw invalid('initializeDiscRecorder needs a recorder id');
    }
    if (this.#options.exclusive !== undefined) checkClientName(this.#options.exclusive.clientName);
    const transport = await openTransport(uniqueId, this.#options);
    if (this.#transport !== undefined) await this.close();
    await this.#bind(transport, uniqueId);
  }

  async #bind(transport: Transport, id: string): Promise<void> {
    this.#transport = transport;
    this.#id = id;
    try {
      const ex = this.#options.exclusive;
      if (ex !== undefined) {
        // Before any command: a drive another program is burning must not get even an INQUIRY.
        await transport.exclusiveAccess?.acquire(ex.force ?? false, checkClientName(ex.clientName));
        this.#exclusiveCount = 1;
        this.#exclusiveOwner = ex.clientName;
      }
      // 36 bytes: the standard part, and the length USB bridges are known to handle.
      const r = await this.#run(inquiry());
      try {
        this.#inquiry = decodeInquiryData(r.dataIn);
      } catch (e) {
        throw malformed(inquiry(), e);
      }
      this.#platform = transport.platform?.() ?? {
        volumeName: transport.address,
        volumePathNames: [],
        legacyDeviceNumber: -1,
      };
      this.#canLoad = await this.#probeTrayLoading();
    } catch (e) {
      this.#transport = undefined;
      this.#id = '';
      if (this.#exclusiveCount > 0) {
        this.#exclusiveCount = 0;
        this.#exclusiveOwner = '';
        await transport.exclusiveAccess?.release().catch(() => undefined);
      }
      await transport.close().catch(() => undefined);
      throw e;
    }
  }

  async #probeTrayLoading(): Promise<boolean> {
    try {
      const desc = await this.getFeaturePage(FeaturePageType.REMOVABLE_MEDIUM, false);
      const f = decodeRemovableMediumFeature(desc.subarray(4));
      return f.loadingMechanismType === LoadingMechanismType.TRAY;
    } catch {
      return false;
    }
  }

  /** IDiscRecorder2 Release: free the device and any locks this object holds. Idempotent. */
  async close(): Promise<void> {
    const t = this.#transport;
    if (t === undefined) return;
    await this.#enqueue(() => Promise.resolve());
    try {
      if (this.#exclusiveCount > 0) {
        this.#exclusiveCount = 0;
        this.#exclusiveOwner = '';
        await t.exclusiveAccess?.release().catch(() => undefined);
      }
      if (this.#mcnDisabled > 0) {
        this.#mcnDisabled = 0;
        await t.setMediaChangeNotification?.(true).catch(() => undefined);
      }
    } finally {
      this.#transport = undefined;
      await t.close();
    }
  }

  #bound(): Transport {
    const t = this.#transport;
    if (t === undefined) {
      throw new DwError(HR.ERROR_INVALID_HANDLE, {
        message: 'the recorder is not initialised (call initializeDiscRecorder) or was closed',
      });
    }
    return t;
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

  // ---- the command queue ----

  /**
   * Run `fn` after every earlier command has settled (one command in flight per device). When
   * nothing is in flight `fn` starts at once, in the caller's tick: a WRITE stream goes through
   * here once per chunk, and a promise chain per command cost measurable time per WRITE.
   */
  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.#busy) {
      this.#busy = true;
      return this.#start(fn);
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push(() => {
        this.#start(fn).then(resolve, reject);
      });
    });
  }

  /** `fn` must not throw (it rejects instead). */
  #start<T>(fn: () => Promise<T>): Promise<T> {
    const run = fn();
    // Registered before the caller's own reaction, so the queue moves on before the caller
    // continues (and a command the caller sends next finds the recorder idle).
    run.then(this.#release, this.#release);
    return run;
  }

  readonly #release = (): void => {
    const next = this.#waiting.shift();
    if (next === undefined) this.#busy = false;
    else next();
  };

  #execute(command: ScsiCommand, timeoutSec: number): Promise<ScsiResult> {
    const t = this.#bound();
    // One reaction per command both releases the queue and maps a failure; it runs before the
    // caller's own continuation, so a command the caller sends next finds the recorder idle.
    const go = (): Promise<ScsiResult> => {
      let run: Promise<ScsiResult>;
      try {
        run = t.execute(command, { timeoutMs: timeoutSec * 1000 });
      } catch (e) {
        this.#release();
        return Promise.reject(rejectionError(command, e));
      }
      return run.then(
        (result) => {
          this.#release();
          return result;
        },
        (e: unknown) => {
          this.#release();
          throw rejectionError(command, e);
        },
      );
    };
    if (!this.#busy) {
      this.#busy = true;
      return go();
    }
    return new Promise<ScsiResult>((resolve, reject) => {
      this.#waiting.push(() => {
        go().then(resolve, reject);
      });
    });
  }

  /**
   * Run a command for a typed helper: GOOD (or RECOVERED ERROR) resolves; any other sense rejects
   * with the mapped DwError. A first unit attention (6/28, 6/29) is retried once, at once.
   */
  async executeCommand(command: ScsiCommand, options: CommandOptions = {}): Promise<ScsiResult> {
    const timeoutSec = checkTimeout(options.timeoutSec ?? IMAPI2_DEFAULT_COMMAND_TIMEOUT);
    return this.#run(command, timeoutSec);
  }

  async #run(
    command: ScsiCommand,
    timeoutSec = IMAPI2_DEFAULT_COMMAND_TIMEOUT,
  ): Promise<ScsiResult> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.#execute(command, timeoutSec);
      const verdict = completionVerdict(command, result, 'helper', attempt);
      switch (verdict.action) {
        case 'success':
          return result;
        case 'retry-once':
          continue;
        case 'retry-backoff':
        case 'fail':
          throw failureError(command, verdict.failure);
      }
    }
  }

  /**
   * Read a variable-length reply: the header first, then the whole structure as its own length
   * field gives it (clamped to `max`). Drives pad or truncate to the allocation length, so the
   * reply is cut to the structure's length where the bytes are present.
   */
  async #readFull(
    make: (allocationLength: number) => ScsiCommand,
    headerLength: number,
    totalLength: (header: ByteReader) => number,
    max: number,
  ): Promise<Uint8Array> {
    const first = make(headerLength);
    const head = await this.#run(first);
    let total: number;
    try {
      total = totalLength(new ByteReader(head.dataIn));
    } catch (e) {
      throw malformed(first, e);
    }
    const want = Math.min(total, max);
    if (want <= head.dataIn.length) return head.dataIn.slice(0, want);
    const full = await this.#run(make(want));
    return full.dataIn.slice(0, Math.min(want, full.dataIn.length));
  }

  // ---- IDiscRecorder2Ex: raw commands (spec §4.3–§4.5) ----

  /** A raw command's outcome as IMAPI2 reports it: S_OK, or its sense with HAS_SENSE_DATA. */
  #senseResult(command: ScsiCommand, result: ScsiResult): SenseResult {
    const s = statusOutcome(command, result);
    switch (s.kind) {
      case 'good':
        return result.dataOutHeld === true
          ? { hr: HR.S_OK, sense: new Uint8Array(FIXED_SENSE_LENGTH), dataOutHeld: true }
          : { hr: HR.S_OK, sense: new Uint8Array(FIXED_SENSE_LENGTH) };
      case 'sense':
        return { hr: HR.S_IMAPI_COMMAND_HAS_SENSE_DATA, sense: s.sense };
      case 'failure':
        throw failureError(command, s.failure);
    }
  }

  /** A raw command without data-in: only its sense result. A
   *  WRITE stream comes here once per chunk, so it builds one result object and no more. */
  async #sendForSense(
    cdb: Uint8Array,
    timeoutSec: number,
    direction: 'none' | 'out',
    data: { dataOut?: Uint8Array; dataOutHold?: DataOutHold },
  ): Promise<SenseResult> {
    const command = rawCommand(cdb, direction, data);
    return this.#senseResult(command, await this.#execute(command, timeoutSec));
  }

  #maxTransfer(): number {
    const max = this.#bound().limits().maxPageAlignedTransferBytes;
    return max > 0 ? max : 65536;
  }

  /** IDiscRecorder2Ex::SendCommandNoData. A device failure resolves S_IMAPI_COMMAND_HAS_SENSE_DATA. */
  async sendCommandNoData(cdb: Uint8Array, timeoutSec: number): Promise<SenseResult> {
    this.#bound();
    checkCdb(cdb);
    const t = checkTimeout(timeoutSec);
    return this.#sendForSense(cdb, t, 'none', {});
  }

  /**
   * IDiscRecorder2Ex::SendCommandSendDataToDevice. With `options.hold` the transport may keep
   * `data` past completion; `dataOutHeld` in the result says it did (SendDataOptions).
   */
  async sendCommandSendDataToDevice(
    cdb: Uint8Array,
    timeoutSec: number,
    data: Uint8Array,
    options?: SendDataOptions,
  ): Promise<SenseResult> {
    this.#bound();
    checkCdb(cdb);
    if (data === null || data === undefined)
      throw new DwError(HR.E_POINTER, { message: 'data is required' });
    const t = checkTimeout(timeoutSec);
    if (!(data instanceof Uint8Array) || data.length === 0)
      throw invalid('data must be a non-empty Uint8Array');
    if (data.length > this.#maxTransfer()) {
      throw invalid(
        `data of ${data.length} bytes exceeds the maximum transfer of ${this.#maxTransfer()}`,
      );
    }
    const hold = options?.hold;
    return this.#sendForSense(
      cdb,
      t,
      'out',
      hold === undefined ? { dataOut: data } : { dataOut: data, dataOutHold: hold },
    );
  }

  /** IDiscRecorder2Ex::SendCommandGetDataFromDevice. `data` holds the bytes actually received. */
  async sendCommandGetDataFromDevice(
    cdb: Uint8Array,
    timeoutSec: number,
    length: number,
  ): Promise<SenseResult & { readonly data: Uint8Array }> {
    this.#bound();
    checkCdb(cdb);
    const t = checkTimeout(timeoutSec);
    checkInt(length, 1, this.#maxTransfer(), 'length');
    const command = rawCommand(cdb, 'in', { allocationLength: length });
    const result = await this.#execute(command, t);
    return { ...this.#senseResult(command, result), data: result.dataIn };
  }

  // ---- IDiscRecorder2Ex: structures ----

  /** IDiscRecorder2Ex::ReadDvdStructure: READ DISC STRUCTURE (media type 0), header removed. */
  async readDvdStructure(
    format: number,
    address: number,
    layer: number,
    agid: number,
  ): Promise<Uint8Array> {
    this.#bound();
    checkInt(format, 0, 0xffffffff, 'format');
    checkInt(address, 0, 0xffffffff, 'address');
    checkInt(layer, 0, 0xff, 'layer');
    checkInt(agid, 0, 3, 'agid');
    const reply = await this.#readFull(
      (allocationLength) =>
        cmd.readDiscStructure({
          mediaType: 0,
          address,
          layerNumber: layer,
          formatCode: format & 0xff,
          agid,
          allocationLength,
        }),
      4,
      (r) => r.u16(0) + 2, // DISC STRUCTURE DATA LENGTH
      0xfffe,
    );
    return reply.slice(Math.min(4, reply.length));
  }

  /** IDiscRecorder2Ex::SendDvdStructure: SEND DISC STRUCTURE with the 4-byte header prepended. */
  async sendDvdStructure(format: number, data: Uint8Array): Promise<void> {
    this.#bound();
    checkInt(format, 0, 0xffffffff, 'format');
    if (data === null || data === undefined)
      throw new DwError(HR.E_POINTER, { message: 'data is required' });
    if (!(data instanceof Uint8Array) || data.length === 0 || data.length > 0xfffb) {
      throw invalid('data must be 1..65531 bytes');
    }
    await this.#run(cmd.sendDiscStructure({ formatCode: format & 0xff, payload: data }));
  }

  async getAdapterDescriptor(): Promise<AdapterDescriptor> {
    const l = this.#bound().limits();
    return Promise.resolve({
      busType: l.busType,
      maximumTransferLength: l.maxPageAlignedTransferBytes,
      maximumNonPageAlignedTransferLength: l.maxNonPageAlignedTransferBytes,
      alignment: l.alignment,
    });
  }

  async getDeviceDescriptor(): Promise<DeviceDescriptor> {
    const t = this.#bound();
    const i = this.#inquiry as InquiryData;
    return Promise.resolve({
      busType: t.limits().busType,
      vendorId: i.vendorIdentification,
      productId: i.productIdentification,
      productRevision: i.productRevisionLevel,
      removableMedia: i.rmb,
      deviceType: i.peripheralDeviceType,
    });
  }

  /** IDiscRecorder2Ex::GetDiscInformation: the raw READ DISC INFORMATION reply, all of it. */
  async getDiscInformation(): Promise<Uint8Array> {
    this.#bound();
    return this.#readFull(
      (allocationLength) => cmd.readDiscInformation({ allocationLength }),
      2,
      (r) => r.u16(0) + 2, // DISC INFORMATION LENGTH
      0xfffe,
    );
  }

  /** IDiscRecorder2Ex::GetTrackInformation: the raw READ TRACK INFORMATION reply. */
  async getTrackInformation(address: number, type: ReadTrackAddressType): Promise<Uint8Array> {
    this.#bound();
    checkInt(type, 0, 2, 'type');
    if (type === ReadTrackAddressType.LBA) checkInt(address, -0x80000000, 0x7fffffff, 'address');
    else checkInt(address, 0, 0xffffffff, 'address');
    return this.#readFull(
      (allocationLength) =>
        cmd.readTrackInformation({ addressNumberType: type, address, allocationLength }),
      2,
      (r) => r.u16(0) + 2, // DATA LENGTH
      0xfffe,
    );
  }

  /** IDiscRecorder2Ex::GetFeaturePage: one descriptor, feature header removed (spec §4.6). */
  async getFeaturePage(feature: number, currentOnly: boolean): Promise<Uint8Array> {
    this.#bound();
    checkInt(feature, 0, 0xffff, 'feature');
    checkBool(currentOnly, 'currentOnly');
    const reply = await this.#getConfiguration(GetConfigurationRt.ONE, feature);
    const decoded = this.#decodeConfiguration(reply);
    const first = decoded.descriptors[0];
    if (first === undefined || first.featureCode !== feature) {
      throw new DwError(HR.E_IMAPI_RECORDER_NO_SUCH_FEATURE, {
        message: `the drive does not report feature 0x${feature.toString(16).padStart(4, '0')}`,
      });
    }
    // The descriptor as the drive sent it: code, version/persistent/current, length, data.
    const desc = reply.slice(
      FEATURE_HEADER_LENGTH,
      FEATURE_HEADER_LENGTH + 4 + first.additionalLength,
    );
    if (currentOnly && ((desc[2] ?? 0) & 0x01) === 0) {
      // byte 2 bit 0 Current
      throw new DwError(HR.E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT, {
        message: `feature 0x${feature.toString(16).padStart(4, '0')} is not current for the loaded medium`,
      });
    }
    return desc;
  }

  /** GET CONFIGURATION with RT and a starting feature, header first then the whole reply. */
  async #getConfiguration(rt: number, startingFeatureNumber: number): Promise<Uint8Array> {
    return this.#readFull(
      (allocationLength) => cmd.getConfiguration({ rt, startingFeatureNumber, allocationLength }),
      FEATURE_HEADER_LENGTH,
      (r) => r.u32(0) + 4, // DATA LENGTH
      GET_CONFIGURATION_MAX,
    );
  }

  #decodeConfiguration(reply: Uint8Array): GetConfigurationData {
    return this.#decode(cmd.getConfiguration({ allocationLength: reply.length }), () =>
      decodeGetConfigurationData(reply),
    );
  }

  /** Every feature descriptor the drive reports (RT = 00b), following replies past 64 KiB. */
  async #allFeatureDescriptors(): Promise<FeatureDescriptor[]> {
    const out: FeatureDescriptor[] = [];
    let start = 0;
    for (;;) {
      const decoded = this.#decodeConfiguration(
        await this.#getConfiguration(GetConfigurationRt.ALL, start),
      );
      out.push(...decoded.descriptors);
      const last = decoded.descriptors.at(-1)?.featureCode;
      // A reply cut by the 16-bit allocation length continues after the last whole descriptor.
      if (!decoded.truncated || last === undefined || last >= 0xffff || last < start) return out;
      start = last + 1;
    }
  }

  /** IDiscRecorder2::SupportedFeaturePages / CurrentFeaturePages. */
  async getSupportedFeaturePages(currentOnly: boolean): Promise<number[]> {
    this.#bound();
    checkBool(currentOnly, 'currentOnly');
    const descs = await this.#allFeatureDescriptors();
    return descs.filter((d) => !currentOnly || d.current).map((d) => d.featureCode);
  }

  /** IDiscRecorder2::SupportedProfiles / CurrentProfiles: from the Profile List (feature 0). */
  async getSupportedProfiles(currentOnly: boolean): Promise<number[]> {
    this.#bound();
    checkBool(currentOnly, 'currentOnly');
    const desc = await this.getFeaturePage(FeaturePageType.PROFILE_LIST, false);
    const list = this.#decode(cmd.getConfiguration({ allocationLength: 0 }), () =>
      decodeProfileListFeature(desc.subarray(4, 4 + (desc.length - 4 - ((desc.length - 4) % 4)))),
    );
    return list.profiles.filter((p) => !currentOnly || p.currentP).map((p) => p.profileNumber);
  }

  /** The current profile from the feature header (0 when none is loaded). */
  async getCurrentProfile(): Promise<number> {
    this.#bound();
    const command = cmd.getConfiguration({
      rt: GetConfigurationRt.CURRENT,
      startingFeatureNumber: 0,
      allocationLength: FEATURE_HEADER_LENGTH,
    });
    const reply = await this.#run(command);
    return this.#decode(command, () => new ByteReader(reply.dataIn).u16(6)); // CURRENT PROFILE
  }

  /** MODE SENSE(10), DBD set, header first then the whole mode parameter list. */
  async #modeSense(
    page: number,
    request: number,
  ): Promise<{ pages: Uint8Array; command: ScsiCommand }> {
    const make = (allocationLength: number) =>
      cmd.modeSense10({ dbd: true, pageControl: request, pageCode: page, allocationLength });
    const list = await this.#readFull(make, 8, (r) => r.u16(0) + 2, MODE_SENSE_MAX); // MODE DATA LENGTH
    const r = new ByteReader(list);
    try {
      // Drives sometimes ignore DBD: skip whatever block descriptors they sent.
      const blockDescriptorLength = r.u16(6);
      return {
        pages: list.subarray(Math.min(list.length, 8 + blockDescriptorLength)),
        command: make(8),
      };
    } catch (e) {
      throw malformed(make(8), e);
    }
  }

  /** IDiscRecorder2Ex::GetModePage: the page bytes only (spec §4.6). */
  async getModePage(page: number, request: ModePageRequestType): Promise<Uint8Array> {
    this.#bound();
    checkInt(page, 0, 0x3e, 'page');
    checkInt(request, 0, 3, 'request');
    const { pages } = await this.#modeSense(page, request);
    const noSuch = () =>
      new DwError(HR.E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE, {
        message: `the drive did not return mode page 0x${page.toString(16).padStart(2, '0')}`,
      });
    if (pages.length < 2 || ((pages[0] ?? 0) & 0x3f) !== page) throw noSuch(); // PAGE CODE
    const len = 2 + (pages[1] ?? 0); // PAGE LENGTH
    return pages.slice(0, Math.min(len, pages.length));
  }

  /** IDiscRecorder2Ex::SetModePage: the bare page; the header is built here (spec §4.6). */
  async setModePage(request: ModePageRequestType, page: Uint8Array): Promise<void> {
    this.#bound();
    let sp: boolean;
    if (request === ModePageRequestType.CURRENT_VALUES) sp = false;
    else if (request === ModePageRequestType.SAVED_VALUES) sp = true;
    else throw invalid('setModePage accepts CURRENT_VALUES or SAVED_VALUES');
    if (page === null || page === undefined)
      throw new DwError(HR.E_POINTER, { message: 'page is required' });
    if (!(page instanceof Uint8Array) || page.length < 2 || page.length !== 2 + (page[1] ?? 0)) {
      throw invalid('page must be a whole mode page: 2 + PAGE LENGTH bytes');
    }
    const list = new Uint8Array(8 + page.length);
    list.set(page, 8);
    list[8] = (list[8] ?? 0) & 0x7f; // PS is reserved in MODE SELECT
    await this.#run(cmd.modeSelect10({ pf: true, sp, data: list }));
  }

  /** IDiscRecorder2::SupportedModePages: MODE SENSE(10) for page 3Fh, walked. */
  async getSupportedModePages(request: ModePageRequestType): Promise<number[]> {
    this.#bound();
    checkInt(request, 0, 3, 'request');
    const { pages } = await this.#modeSense(ALL_MODE_PAGES, request);
    const out: number[] = [];
    let at = 0;
    while (at + 2 <= pages.length) {
      const b0 = pages[at] ?? 0;
      const spf = (b0 & 0x40) !== 0; // SPF
      let len: number;
      if (spf) {
        if (at + 4 > pages.length) break;
        len = 4 + (((pages[at + 2] ?? 0) << 8) | (pages[at + 3] ?? 0));
      } else {
        len = 2 + (pages[at + 1] ?? 0);
      }
      if (!out.includes(b0 & 0x3f)) out.push(b0 & 0x3f);
      at += len;
    }
    return out;
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

  // ---- typed helpers (decoded structures; beyond IMAPI2) ----

  #decode<T>(command: ScsiCommand, decode: () => T): T {
    try {
      return decode();
    } catch (e) {
      throw malformed(command, e);
    }
  }

  /** READ DISC INFORMATION, decoded (standard disc information). */
  async discInformation(): Promise<DiscInformation> {
    const raw = await this.getDiscInformation();
    return this.#decode(cmd.readDiscInformation(), () => decodeReadDiscInformationData(raw));
  }

  /** READ CAPACITY(10), decoded: the last recorded LBA and the block length. */
  async capacity(): Promise<ReadCapacity10Data> {
    this.#bound();
    const command = cmd.readCapacity10();
    const r = await this.#run(command);
    return this.#decode(command, () => decodeReadCapacity10Data(r.dataIn));
  }

  /** READ BUFFER CAPACITY (Block = 0), decoded. */
  async bufferCapacity(): Promise<ReadBufferCapacityData> {
    this.#bound();
    const command = cmd.readBufferCapacity({
      block: false,
      allocationLength: READ_BUFFER_CAPACITY_DATA_LENGTH,
    });
    const r = await this.#run(command);
    return this.#decode(command, () => decodeReadBufferCapacityData(r.dataIn));
  }

  /** READ TRACK INFORMATION, decoded. */
  async trackInformation(address: number, type: ReadTrackAddressType): Promise<TrackInformation> {
    const raw = await this.getTrackInformation(address, type);
    return this.#decode(cmd.readTrackInformation({ addressNumberType: type, address }), () =>
      decodeReadTrackInformationData(raw),
    );
  }

  /** GET PERFORMANCE Type 03h: the write speeds the drive offers for the loaded medium. */
  async writeSpeeds(): Promise<WriteSpeedDescriptor[]> {
    this.#bound();
    // Some drives size the reply (and its length field) by the descriptor count asked for, so
    // ask for a generous count first and re-issue only when the length field says there is more.
    const ask = async (count: number) => {
      const command = cmd.getWriteSpeeds({ maximumNumberOfDescriptors: count });
      const r = await this.#run(command);
      return this.#decode(command, () => ({
        total: getPerformanceFullLength(r.dataIn),
        speeds: decodeWriteSpeedData(r.dataIn).descriptors,
      }));
    };
    const first = await ask(32);
    const available = Math.floor(
      Math.max(0, first.total - PERFORMANCE_HEADER_LENGTH) / PERFORMANCE_DESCRIPTOR_LENGTH,
    );
    if (available <= first.speeds.length) return [...first.speeds];
    const maxCount = Math.floor(
      (0xfff0 - PERFORMANCE_HEADER_LENGTH) / PERFORMANCE_DESCRIPTOR_LENGTH,
    );
    return [...(await ask(Math.min(available, maxCount))).speeds];
  }

  /** TEST UNIT READY; rejects with the mapped error when the drive is not ready. */
  async testUnitReady(): Promise<void> {
    this.#bound();
    await this.#run(cmd.testUnitReady());
  }

  /** SYNCHRONIZE CACHE(10) for the whole medium. */
  async synchronizeCache(options: { immed?: boolean; timeoutSec?: number } = {}): Promise<void> {
    this.#bound();
    const timeoutSec = checkTimeout(options.timeoutSec ?? 900);
    await this.#run(cmd.synchronizeCache10({ immed: options.immed ?? false }), timeoutSec);
  }

  /** READ(10) of `blocks` blocks of `blockSize` bytes from `lba`. */
  async readBlocks(lba: number, blocks: number, blockSize = 2048): Promise<Uint8Array> {
    this.#bound();
    checkInt(lba, -0x80000000, 0x7fffffff, 'lba');
    checkInt(blocks, 1, 0xffff, 'blocks');
    checkInt(blockSize, 1, 0x10000, 'blockSize');
    if (blocks * blockSize > this.#maxTransfer()) {
      throw invalid(
        `${blocks} × ${blockSize} bytes exceed the maximum transfer of ${this.#maxTransfer()}`,
      );
    }
    const r = await this.#run(cmd.read10({ lba, transferLength: blocks, blockSize }), 60);
    return r.dataIn;
  }

  // ---- IDiscRecorder2: tray, exclusive access, MCN ----

  /** IDiscRecorder2::EjectMedia: START STOP UNIT, LoEj = 1, Start = 0. */
  async ejectMedia(): Promise<void> {
    this.#bound();
    await this.#run(cmd.ejectMedium(), 60);
  }

  /** IDiscRecorder2::CloseTray: START STOP UNIT, LoEj = 1, Start = 1; E_NOTIMPL without a loader. */
  async closeTray(): Promise<void> {
    this.#bound();
    if (!this.#canLoad) {
      throw new DwError(HR.E_NOTIMPL, { message: 'the drive has no tray loading mechanism' });
    }
    await this.#run(cmd.loadMedium(), 60);
  }

  /** IDiscRecorder2::AcquireExclusiveAccess (reference-counted). */
  async acquireExclusiveAccess(force: boolean, clientName: string): Promise<void> {
    const t = this.#bound();
    checkBool(force, 'force');
    checkClientName(clientName);
    if (this.#exclusiveCount > 0) {
      if (this.#exclusiveOwner !== clientName) {
        throw new DwError(HR.E_ACCESSDENIED, {
          message: `exclusive access is held by ${JSON.stringify(this.#exclusiveOwner)}`,
        });
      }
      this.#exclusiveCount++;
      return;
    }
    await t.exclusiveAccess?.acquire(force, clientName);
    this.#exclusiveCount = 1;
    this.#exclusiveOwner = clientName;
  }

  /** IDiscRecorder2::ReleaseExclusiveAccess: frees the lock at count 0; surplus calls are no-ops. */
  async releaseExclusiveAccess(): Promise<void> {
    const t = this.#bound();
    if (this.#exclusiveCount === 0) return;
    this.#exclusiveCount--;
    if (this.#exclusiveCount > 0) return;
    this.#exclusiveOwner = '';
    await t.exclusiveAccess?.release();
  }

  /** IDiscRecorder2::ExclusiveAccessOwner ('' when nobody holds it). */
  async getExclusiveAccessOwner(): Promise<string> {
    const t = this.#bound();
    if (this.#exclusiveCount > 0) return this.#exclusiveOwner;
    return (await t.exclusiveAccess?.owner()) ?? '';
  }

  /** Current exclusive-access reference count of this object. */
  get exclusiveAccessCount(): number {
    return this.#exclusiveCount;
  }

  /** IDiscRecorder2::DisableMcn (reference-counted, best effort per platform). */
  async disableMcn(): Promise<void> {
    const t = this.#bound();
    if (this.#mcnDisabled === 0) await t.setMediaChangeNotification?.(false);
    this.#mcnDisabled++;
  }

  /** IDiscRecorder2::EnableMcn. */
  async enableMcn(): Promise<void> {
    const t = this.#bound();
    if (this.#mcnDisabled === 0) return;
    this.#mcnDisabled--;
    if (this.#mcnDisabled === 0) await t.setMediaChangeNotification?.(true);
  }

  /** Current media-change-notification suppression count. */
  get mcnDisabledCount(): number {
    return this.#mcnDisabled;
  }
}

/** The command for a caller's raw CDB (IDiscRecorder2Ex::SendCommand*): it runs a copy, since the
 *  caller may change its array while the command is in flight. */
function rawCommand(
  cdb: Uint8Array,
  direction: 'none' | 'in' | 'out',
  data: { dataOut?: Uint8Array; allocationLength?: number; dataOutHold?: DataOutHold },
): ScsiCommand {
  return scsiCommand(opcodeName(cdb[0] ?? 0), cdb.slice(), direction, data);
}
