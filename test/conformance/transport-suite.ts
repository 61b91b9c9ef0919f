// The transport conformance suite: one set of behaviours every Transport to an MMC recorder
// must show, spoken only through the Transport interface and the codecs. It runs over the
// virtual drive for every media (virtual.test.ts), and is meant to run against tgt's emulated
// DVD+R over iSCSI (tgt.test.ts) and against a real drive (test/sgio/hardware.test.ts); `caps`
// switches off what a target cannot show — skipped there with the reason, and still proven on
// the virtual drive — and the optional hooks add what only the virtual drive can provide
// (persistence across reopen, faults, pacing on a virtual clock).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataOutHold, Transport } from '../../src/transport/transport.js';
import type { ScsiCommand, ScsiResult } from '../../src/scsi/command.js';
import { scsiCommand, ScsiStatus } from '../../src/scsi/command.js';
import { DwError, HR } from '../../src/errors.js';
import { decodeSense } from '../../src/scsi/sense.js';
import { inquiry, decodeInquiryData } from '../../src/scsi/spc/inquiry.js';
import { testUnitReady } from '../../src/scsi/spc/test-unit-ready.js';
import { requestSense } from '../../src/scsi/spc/request-sense.js';
import { ejectMedium, loadMedium } from '../../src/scsi/spc/start-stop-unit.js';
import { modeSense10, decodeModeSense10Data } from '../../src/scsi/spc/mode-sense-10.js';
import { modeSelect10, encodeModeSelect10Data } from '../../src/scsi/spc/mode-select-10.js';
import { write10 } from '../../src/scsi/block/write-10.js';
import { write12 } from '../../src/scsi/block/write-12.js';
import { read10 } from '../../src/scsi/block/read-10.js';
import { readCapacity10, decodeReadCapacity10Data } from '../../src/scsi/block/read-capacity-10.js';
import { synchronizeCache10 } from '../../src/scsi/block/synchronize-cache-10.js';
import {
  getConfiguration,
  decodeGetConfigurationData,
  findFeature,
} from '../../src/scsi/mmc/get-configuration.js';
import { decodeProfileListFeature } from '../../src/scsi/mmc/features/profile-list.js';
import { decodeRealTimeStreamingFeature } from '../../src/scsi/mmc/features/real-time-streaming.js';
import {
  decodeRemovableMediumFeature,
  LoadingMechanismType,
} from '../../src/scsi/mmc/features/removable-medium.js';
import {
  readDiscInformation,
  decodeReadDiscInformationData,
  DiscStatus,
  type DiscInformation,
} from '../../src/scsi/mmc/read-disc-information.js';
import {
  readTrackInformation,
  decodeReadTrackInformationData,
  INVISIBLE_TRACK_NUMBER,
  ReadTrackAddressType,
  type TrackInformation,
} from '../../src/scsi/mmc/read-track-information.js';
import { readTocPmaAtip, decodeReadTocPmaAtipData } from '../../src/scsi/mmc/read-toc-pma-atip.js';
import { reserveTrack } from '../../src/scsi/mmc/reserve-track.js';
import { closeTrackSession, CloseFunction } from '../../src/scsi/mmc/close-track-session.js';
import { blank, BlankingType } from '../../src/scsi/mmc/blank.js';
import { formatUnit } from '../../src/scsi/mmc/format-unit.js';
import {
  readFormatCapacities,
  decodeReadFormatCapacitiesData,
} from '../../src/scsi/mmc/read-format-capacities.js';
import {
  getEventStatusNotification,
  decodeGetEventStatusNotificationData,
  mediaEventOf,
  MediaEventCode,
  NotificationClassMask,
} from '../../src/scsi/mmc/get-event-status-notification.js';
import {
  readBufferCapacity,
  decodeReadBufferCapacityData,
} from '../../src/scsi/mmc/read-buffer-capacity.js';
import { getWriteSpeeds, decodeWriteSpeedData } from '../../src/scsi/mmc/get-performance.js';
import { setStreaming } from '../../src/scsi/mmc/set-streaming.js';
import {
  decodeWriteParametersPage,
  encodeWriteParametersPage,
  MultiSession,
  WriteType,
  DataBlockType,
  type WriteParametersPage,
} from '../../src/scsi/mmc/mode-pages/write-parameters.js';
import { ModePageType } from '../../src/scsi/spc/mode-pages.js';
import {
  readDiscStructure,
  decodeReadDiscStructureData,
  decodePhysicalFormatInformation,
  decodeDiscStructureList,
} from '../../src/scsi/mmc/read-disc-structure.js';
import { decodeBdDiscInformation } from '../../src/scsi/mmc/bd-disc-information.js';
import type { VirtualClock } from '../../src/transport/clock.js';

export type ConformanceMedia =
  | 'cd-r'
  | 'cd-rw'
  | 'dvd-r'
  | 'dvd-rw'
  | 'dvd+r'
  | 'dvd+r-dl'
  | 'dvd+rw'
  | 'dvd-ram'
  | 'bd-r'
  | 'bd-re';

/** Fault injection a target offers (the virtual drive's control.faults). */
export interface FaultHooks {
  failAt(lba: number, sense: { senseKey: number; asc: number; ascq: number }): void;
  busy(count: number, ascq: 7 | 8): void;
  vanishAfter(commands: number): void;
  unitAttention(asc: number, ascq: number): void;
}

/** A paced target on a virtual clock, with a view of its underrun counter. */
export interface PacedTarget {
  readonly transport: Transport;
  readonly clock: VirtualClock;
  /** Underruns bridged or lost so far. */
  underruns(): number;
}

export interface ConformanceCaps {
  /** The blank disc `open` loads. */
  readonly media: ConformanceMedia;
  /** WRITE anywhere but the NWA is refused with 05/21/02 (tgt: no). */
  readonly nwaEnforcement: boolean;
  /** GET EVENT STATUS NOTIFICATION reports media events (tgt: no). */
  readonly gesn: boolean;
  /** Written blocks read back before the track is closed (tgt: no). */
  readonly readBeforeClose: boolean;
  /** The target may be ejected and loaded again (START STOP UNIT). */
  readonly ejectLoad: boolean;
  /**
   * Each `open` gives a fresh blank disc, so tests may record on it (default true). A real drive
   * holds one disc: only the tests that leave the disc as it was run there.
   */
  readonly recording?: boolean;
  /** READ DISC / TRACK INFORMATION do not follow writes and closes (tgt: static; default false). */
  readonly staticTrackInfo?: boolean;
  /** A WRITE beyond the disc's capacity is refused with 05/21/00 (tgt: no; default true). */
  readonly capacityEnforcement?: boolean;
  /** RESERVE TRACK is implemented (tgt: 05/20/00; default true). */
  readonly reserveTrack?: boolean;
  /**
   * Real Time Streaming (0107h) with the blank disc loaded: `current` with SW (default),
   * `not-current` (tgt: current on DVD-ROM only), `no-sw` (current, SW = 0; WRITE(12) with
   * Streaming is an invalid field), `absent` (not listed; SET STREAMING is 05/20/00).
   */
  readonly realTimeStreaming?: 'current' | 'not-current' | 'no-sw' | 'absent';
  /** READ BUFFER CAPACITY is implemented (default true); false: 05/20/00. */
  readonly readBufferCapacity?: boolean;
  /** Loading mechanism of the Removable Medium feature (default `tray`; a slot cannot load). */
  readonly loader?: 'tray' | 'slot';
  /** Reopens the transport on the same disc (persistence). */
  readonly reopen?: (t: Transport) => Promise<Transport>;
  /** Fault injection for a transport opened by `open`. */
  readonly faults?: (t: Transport) => FaultHooks;
  /** A paced drive at 4x with a drive buffer of `bufferBytes`, on a manual virtual clock. */
  readonly paced?: (o: { bufe: boolean; bufferBytes: number }) => Promise<PacedTarget>;
  /** READ DISC STRUCTURE answers formats 00h and FFh (DVD; BD with media type 1). */
  readonly discStructures?: boolean;
  /** REQUEST SENSE with DESC=1 answers descriptor-format (72h) sense. */
  readonly descriptorSense?: boolean;
  /** The transport declares held writes (Transport.heldWrites; default false). */
  readonly heldWrites?: boolean;
}

/** BOOK TYPE of the physical format information per DVD media (MMC-6 Table 380). */
const BOOK_TYPES: Partial<Record<ConformanceMedia, number>> = {
  'dvd-r': 0x2,
  'dvd-rw': 0x3,
  'dvd+r': 0xa,
  'dvd+r-dl': 0xe,
  'dvd+rw': 0x9,
  'dvd-ram': 0x1,
};

/** The profile of each media the suite knows (the current profile with that disc loaded). */
export const CONFORMANCE_PROFILES: Readonly<Record<ConformanceMedia, number>> = {
  'cd-r': 0x09,
  'cd-rw': 0x0a,
  'dvd-r': 0x11,
  'dvd-rw': 0x14,
  'dvd+r': 0x1b,
  'dvd+r-dl': 0x2b,
  'dvd+rw': 0x1a,
  'dvd-ram': 0x12,
  'bd-r': 0x41,
  'bd-re': 0x43,
};

const SEQUENTIAL: readonly ConformanceMedia[] = [
  'cd-r',
  'cd-rw',
  'dvd-r',
  'dvd-rw',
  'dvd+r',
  'dvd+r-dl',
  'bd-r',
];

// ---- helpers ---------------------------------------------------------------------------------

export function senseOf(r: ScsiResult): [number, number, number] {
  assert.equal(r.status, ScsiStatus.CHECK_CONDITION, 'expected CHECK CONDITION');
  const s = decodeSense(r.sense);
  return [s.senseKey, s.asc, s.ascq];
}

export function assertSense(r: ScsiResult, key: number, asc: number, ascq: number): void {
  assert.deepEqual(senseOf(r), [key, asc, ascq]);
}

export function assertGood(r: ScsiResult, what = 'command'): void {
  if (r.status !== ScsiStatus.GOOD) {
    const s = r.sense.length > 0 ? decodeSense(r.sense) : undefined;
    assert.fail(
      `${what}: status ${r.status}, sense ${s === undefined ? '-' : `${s.senseKey}/${s.asc.toString(16)}/${s.ascq.toString(16)}`}`,
    );
  }
}

/** The media event class of a polled GET EVENT STATUS NOTIFICATION. */
async function mediaEvent(t: Transport): Promise<ReturnType<typeof mediaEventOf>> {
  const g = await good(
    t,
    getEventStatusNotification({ notificationClassRequest: NotificationClassMask.MEDIA }),
  );
  return mediaEventOf(decodeGetEventStatusNotificationData(g.dataIn));
}

async function good(t: Transport, c: ScsiCommand): Promise<ScsiResult> {
  const r = await t.execute(c);
  assertGood(r, c.name);
  return r;
}

/** A block pattern the reader can check: every byte depends on LBA and offset. */
export function pattern(lba: number, blocks: number, blockSize = 2048): Uint8Array {
  const out = new Uint8Array(blocks * blockSize);
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < blockSize; i += 64) out[b * blockSize + i] = (lba + b + i / 64) & 0xff;
    out[b * blockSize + 1] = ((lba + b) >> 8) & 0xff;
  }
  return out;
}

/** WRITE(10)s of the pattern, split to the transport's transfer limit; the first failure ends it. */
async function write(
  t: Transport,
  lba: number,
  blocks: number,
  blockSize = 2048,
): Promise<ScsiResult> {
  const per = Math.max(1, Math.floor(t.limits().maxPageAlignedTransferBytes / blockSize));
  let result: ScsiResult | undefined;
  for (let at = 0; at < blocks || result === undefined; at += per) {
    const n = Math.min(per, blocks - at);
    result = await t.execute(
      write10({ lba: lba + at, transferLength: n, data: pattern(lba + at, n, blockSize) }),
    );
    if (result.status !== ScsiStatus.GOOD || n <= 0) break;
  }
  return result;
}

async function discInfo(t: Transport): Promise<DiscInformation> {
  const cd = (await profileOf(t)) <= 0x0a;
  const r = await good(t, readDiscInformation());
  return decodeReadDiscInformationData(r.dataIn, { msf: cd });
}

async function trackInfo(t: Transport, track: number): Promise<TrackInformation> {
  const r = await good(
    t,
    readTrackInformation({ addressNumberType: ReadTrackAddressType.TRACK, address: track }),
  );
  return decodeReadTrackInformationData(r.dataIn);
}

async function nwa(t: Transport): Promise<number> {
  const ti = await trackInfo(t, INVISIBLE_TRACK_NUMBER);
  assert.equal(ti.nwaV, true, 'invisible track has a valid NWA');
  return ti.nextWritableAddress;
}

async function profileOf(t: Transport): Promise<number> {
  const r = await good(t, getConfiguration({ allocationLength: 8 }));
  return decodeGetConfigurationData(r.dataIn).currentProfile;
}

async function writeParameters(t: Transport): Promise<WriteParametersPage> {
  const r = await good(
    t,
    modeSense10({ pageCode: ModePageType.WRITE_PARAMETERS, allocationLength: 256, dbd: true }),
  );
  const page = decodeModeSense10Data(r.dataIn).pages[0];
  assert.ok(page !== undefined);
  return decodeWriteParametersPage(page.bytes);
}

function selectWriteParameters(
  t: Transport,
  wp: Partial<WriteParametersPage> &
    Pick<WriteParametersPage, 'writeType' | 'trackMode' | 'dataBlockType'>,
): Promise<ScsiResult> {
  return t.execute(
    modeSelect10({
      pf: true,
      data: encodeModeSelect10Data({ pages: [encodeWriteParametersPage({ ...wp, ps: false })] }),
    }),
  );
}

async function changeWriteParameters(
  t: Transport,
  change: Partial<WriteParametersPage>,
): Promise<ScsiResult> {
  const wp = await writeParameters(t);
  return selectWriteParameters(t, { ...wp, ...change });
}

/** Reads blocks back and compares them with the pattern written. */
async function assertReadBack(t: Transport, lba: number, blocks: number): Promise<void> {
  const per = Math.floor(t.limits().maxPageAlignedTransferBytes / 2048);
  for (let at = 0; at < blocks; at += per) {
    const n = Math.min(per, blocks - at);
    const r = await good(t, read10({ lba: lba + at, transferLength: n, blockSize: 2048 }));
    assert.deepEqual(r.dataIn, pattern(lba + at, n), `blocks ${lba + at}..${lba + at + n - 1}`);
  }
}

async function rejects(p: Promise<unknown>, hr: number): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof DwError && e.hr === hr);
}

/** A hold that counts its releases. */
function countingHold(): DataOutHold & { readonly releases: number } {
  let releases = 0;
  return {
    release: () => void releases++,
    get releases() {
      return releases;
    },
  };
}

/** WRITE(10) of the pattern from shared memory, as the write engine's slots hold it. */
function sharedWrite(lba: number, blocks: number): ScsiCommand {
  const data = new Uint8Array(new SharedArrayBuffer(blocks * 2048));
  data.set(pattern(lba, blocks));
  return write10({ lba, transferLength: blocks, data });
}

// ---- the suite -------------------------------------------------------------------------------

/**
 * Registers the conformance tests for one target. `open` must return a transport whose drive
 * holds a blank disc of `caps.media` (a fresh one per call).
 */
export function runTransportConformance(
  name: string,
  open: () => Promise<Transport>,
  caps: ConformanceCaps,
): void {
  const media = caps.media;
  const sequential = SEQUENTIAL.includes(media);
  const cd = media === 'cd-r' || media === 'cd-rw';
  const plus = media === 'dvd+r' || media === 'dvd+r-dl' || media === 'bd-r';
  const formattable = media === 'dvd+rw' || media === 'bd-re';
  const recording = caps.recording ?? true;
  const rts = caps.realTimeStreaming ?? 'current';
  const streamingWrite = rts === 'current';
  const rbc = caps.readBufferCapacity ?? true;
  const loader = caps.loader ?? 'tray';
  /** `it` options: skipped with `reason` when `cannot` holds. */
  const unless = (cannot: boolean | undefined, reason: string) => ({
    skip: cannot === true ? reason : false,
  });
  const STATIC_TRACK_INFO =
    'the target reports static disc and track information (proven on the virtual drive)';

  /** Runs `body` on a fresh transport and closes it afterwards. */
  const withDrive = (body: (t: Transport) => Promise<void>) => async () => {
    const t = await open();
    try {
      await body(t);
    } finally {
      await t.close();
    }
  };

  /** Makes a random-writable disc writable (formats DVD+RW / BD-RE). */
  const prepare = async (t: Transport) => {
    if (formattable) {
      await good(
        t,
        formatUnit({
          formatDescriptor: {
            numberOfBlocks: 0,
            formatType: media === 'dvd+rw' ? 0x26 : 0x30,
            formatSubType: 0,
            typeDependentParameter: 0,
          },
        }),
      );
    }
  };

  describe(`transport conformance: ${name}`, () => {
    describe('contract', () => {
      it(
        'answers INQUIRY as an MMC device, truncating to the allocation length',
        withDrive(async (t) => {
          const r = await good(t, inquiry());
          const d = decodeInquiryData(r.dataIn);
          assert.equal(d.peripheralDeviceType, 0x05);
          assert.equal(d.rmb, true);
          // The CDB's ALLOCATION LENGTH and the transfer length agree, as a host sends them.
          const short = await good(t, inquiry({ allocationLength: 5 }));
          assert.equal(short.dataIn.length, 5);
          assert.equal(short.residual, 0);
          assert.deepEqual(short.dataIn, r.dataIn.subarray(0, 5));
          const long = await good(t, inquiry({ allocationLength: 64 }));
          assert.equal(long.dataIn.length + long.residual, 64);
          assert.ok(long.dataIn.length >= 36, 'standard INQUIRY data is at least 36 bytes');
        }),
      );

      it(
        'rejects an overlapping execute with E_FAIL without disturbing the first',
        withDrive(async (t) => {
          const first = t.execute(testUnitReady());
          const second = t.execute(testUnitReady());
          await rejects(second, HR.E_FAIL);
          assertGood(await first);
        }),
      );

      it('rejects execute after close with 0x80070006; close is idempotent', async () => {
        const t = await open();
        await t.close();
        await t.close();
        await rejects(t.execute(testUnitReady()), HR.ERROR_INVALID_HANDLE);
      });

      it(
        'answers an unknown opcode with 05/20/00 as a result, not a rejection',
        withDrive(async (t) => {
          assertSense(
            await t.execute(
              scsiCommand('OPCODE 0x02', new Uint8Array(6).fill(0).fill(0x02, 0, 1), 'none'),
            ),
            5,
            0x20,
            0,
          );
        }),
      );

      it(
        'rejects a pre-aborted command with E_IMAPI_REQUEST_CANCELLED',
        withDrive(async (t) => {
          const ac = new AbortController();
          ac.abort();
          await rejects(
            t.execute(testUnitReady(), { signal: ac.signal }),
            HR.E_IMAPI_REQUEST_CANCELLED,
          );
        }),
      );
    });

    describe('held writes (Transport.heldWrites)', () => {
      const declared = caps.heldWrites === true;
      it(
        declared ? 'declares held writes' : 'declares no held writes',
        withDrive(async (t) => {
          assert.equal(t.heldWrites !== undefined, declared);
        }),
      );

      if (declared && recording) {
        it('releases a held WRITE exactly once, by close at the latest; one not held never', async () => {
          const t = await open();
          const h = countingHold();
          let held = false;
          try {
            await prepare(t);
            const r = await t.heldWrites!.executeHeld(sharedWrite(0, 32), h);
            assertGood(r.result, 'WRITE(10)');
            held = r.held;
            if (caps.readBeforeClose) await assertReadBack(t, 0, 32);
          } finally {
            await t.close();
          }
          assert.equal(h.releases, held ? 1 : 0);
          await t.close();
          assert.equal(h.releases, held ? 1 : 0, 'released again');
        });

        it('shares execute’s one command in flight, and rejects with 0x80070006 once closed', async () => {
          const t = await open();
          const writes = t.heldWrites!;
          const refused = countingHold();
          const h = countingHold();
          let held = false;
          try {
            await prepare(t);
            const first = t.execute(testUnitReady());
            await rejects(writes.executeHeld(sharedWrite(0, 16), refused), HR.E_FAIL);
            assertGood(await first);
            const second = writes.executeHeld(sharedWrite(0, 16), h);
            await rejects(t.execute(testUnitReady()), HR.E_FAIL);
            const r = await second;
            assertGood(r.result, 'WRITE(10)');
            held = r.held;
          } finally {
            await t.close();
          }
          assert.equal(h.releases, held ? 1 : 0);
          await rejects(writes.executeHeld(sharedWrite(16, 16), refused), HR.ERROR_INVALID_HANDLE);
          assert.equal(refused.releases, 0, 'a refused command is never released');
        });

        if (sequential && caps.nwaEnforcement) {
          it('does not hold a WRITE it fails (CHECK CONDITION)', async () => {
            const t = await open();
            const h = countingHold();
            try {
              const r = await t.heldWrites!.executeHeld(sharedWrite(5000, 16), h);
              assertSense(r.result, 5, 0x21, 2);
              assert.equal(r.held, false);
            } finally {
              await t.close();
            }
            assert.equal(h.releases, 0);
          });
        }
      }
    });

    describe('drive and media identity', () => {
      it(
        `reports profile 0x${CONFORMANCE_PROFILES[media].toString(16)} as current`,
        withDrive(async (t) => {
          const r = await good(t, getConfiguration({ allocationLength: 0xffff }));
          const g = decodeGetConfigurationData(r.dataIn);
          assert.equal(g.currentProfile, CONFORMANCE_PROFILES[media]);
          const list = findFeature(g, 0x0000);
          assert.ok(list !== undefined);
          const profiles = decodeProfileListFeature(list.data).profiles;
          assert.deepEqual(
            profiles.filter((p) => p.currentP).map((p) => p.profileNumber),
            [CONFORMANCE_PROFILES[media]],
          );
          const streaming = findFeature(g, 0x0107);
          if (rts === 'absent') {
            assert.equal(streaming, undefined, 'no Real Time Streaming feature');
          } else {
            assert.ok(streaming !== undefined, 'Real Time Streaming is listed');
            assert.equal(streaming.current, rts !== 'not-current', 'Real Time Streaming current');
            if (rts !== 'not-current') {
              assert.equal(decodeRealTimeStreamingFeature(streaming.data).sw, rts === 'current');
            }
          }
          const removable = findFeature(g, 0x0003);
          assert.ok(removable !== undefined && removable.current, 'Removable Medium is current');
          const rm = decodeRemovableMediumFeature(removable.data);
          assert.equal(
            rm.loadingMechanismType,
            loader === 'tray' ? LoadingMechanismType.TRAY : LoadingMechanismType.CADDY_SLOT,
          );
          // Load (MMC-5 on) is reserved in older drives' descriptors, so only a slot's is checked.
          if (loader === 'slot') assert.equal(rm.load, false);
        }),
      );

      if (recording && (rts === 'no-sw' || rts === 'absent')) {
        it(
          'refuses WRITE(12) with Streaming when the drive offers no streaming write (05/24/00)',
          withDrive(async (t) => {
            await prepare(t);
            assertSense(
              await t.execute(
                write12({ lba: 0, transferLength: 16, streaming: true, data: pattern(0, 16) }),
              ),
              5,
              0x24,
              0,
            );
          }),
        );
      }

      it(
        'is ready, and REQUEST SENSE reports no sense',
        withDrive(async (t) => {
          assertGood(await t.execute(testUnitReady()));
          const r = await good(t, requestSense());
          assert.equal(decodeSense(r.dataIn).senseKey, 0);
        }),
      );

      it(
        rts === 'absent'
          ? 'offers write speeds; SET STREAMING without Real Time Streaming is 05/20/00'
          : 'offers write speeds and accepts SET STREAMING',
        withDrive(async (t) => {
          const r = await good(t, getWriteSpeeds({ maximumNumberOfDescriptors: 16 }));
          const speeds = decodeWriteSpeedData(r.dataIn).descriptors;
          assert.ok(speeds.length > 0);
          const slowest = speeds[speeds.length - 1]!;
          const set = await t.execute(
            setStreaming({
              startLba: 0,
              endLba: slowest.endLba,
              readSizeKB: slowest.readSpeedKBps,
              readTimeMs: 1000,
              writeSizeKB: slowest.writeSpeedKBps,
              writeTimeMs: 1000,
            }),
          );
          if (rts === 'absent') assertSense(set, 5, 0x20, 0);
          else assertGood(set);
        }),
      );

      it(
        rbc
          ? 'reports its buffer with READ BUFFER CAPACITY'
          : 'answers READ BUFFER CAPACITY with 05/20/00 (not implemented)',
        withDrive(async (t) => {
          if (!rbc) {
            assertSense(await t.execute(readBufferCapacity()), 5, 0x20, 0);
            assertSense(await t.execute(readBufferCapacity({ block: true })), 5, 0x20, 0);
            return;
          }
          const r = await good(t, readBufferCapacity());
          const d = decodeReadBufferCapacityData(r.dataIn);
          assert.equal(d.blockDataReturned, false);
          if (!d.blockDataReturned) {
            assert.ok(d.bufferLengthBytes > 0);
            assert.ok(d.bufferAvailableBytes <= d.bufferLengthBytes);
          }
        }),
      );

      if (caps.ejectLoad && loader === 'slot') {
        it(
          'ejects from the slot; loading it back is an invalid field (05/24/00)',
          withDrive(async (t) => {
            await good(t, ejectMedium());
            const r = await t.execute(testUnitReady());
            assert.equal(senseOf(r)[0], 2);
            assert.equal(senseOf(r)[1], 0x3a);
            assertSense(await t.execute(loadMedium()), 5, 0x24, 0);
            assert.equal(senseOf(await t.execute(testUnitReady()))[1], 0x3a, 'still no medium');
          }),
        );
      }

      if (caps.ejectLoad && loader === 'tray') {
        it(
          'reports NOT READY with the tray open and 06/28/00 after loading',
          withDrive(async (t) => {
            await good(t, ejectMedium());
            const r = await t.execute(testUnitReady());
            assert.equal(senseOf(r)[0], 2);
            assert.equal(senseOf(r)[1], 0x3a);
            if (caps.gesn) {
              const ev = await mediaEvent(t);
              assert.equal(ev?.mediaEventCode, MediaEventCode.MEDIA_REMOVAL);
              assert.equal(ev?.doorOrTrayOpen, true);
            }
            await good(t, loadMedium());
            assertSense(await t.execute(testUnitReady()), 6, 0x28, 0);
            assertGood(await t.execute(testUnitReady()));
            if (caps.gesn) {
              const ev = await mediaEvent(t);
              assert.equal(ev?.mediaEventCode, MediaEventCode.NEW_MEDIA);
              assert.equal(ev?.mediaPresent, true);
            }
          }),
        );
      }
    });

    if (caps.discStructures === true) {
      describe('disc structures', () => {
        const dvd = BOOK_TYPES[media] !== undefined;
        const bd = media === 'bd-r' || media === 'bd-re';
        if (dvd) {
          it(
            'READ DISC STRUCTURE 00h: the layer descriptor of the loaded DVD',
            withDrive(async (t) => {
              const r = await good(t, readDiscStructure({ formatCode: 0 }));
              const reply = decodeReadDiscStructureData(r.dataIn);
              assert.equal(reply.truncated, false);
              const pfi = decodePhysicalFormatInformation(reply.payload);
              assert.equal(pfi.bookType, BOOK_TYPES[media]);
              assert.equal(pfi.discSize, 0, '120 mm');
              const layers = media === 'dvd+r-dl' ? 2 : 1;
              assert.equal(pfi.numberOfLayers, layers);
              assert.equal(
                pfi.startPhysicalSectorNumber,
                media === 'dvd-ram' ? 0x031000 : 0x030000,
              );
              assert.ok(pfi.endPhysicalSectorNumber > pfi.startPhysicalSectorNumber);
              assertSense(
                await t.execute(readDiscStructure({ formatCode: 0, layerNumber: layers })),
                5,
                0x24,
                0,
              );
              const list = decodeDiscStructureList(
                decodeReadDiscStructureData(
                  (await good(t, readDiscStructure({ formatCode: 0xff }))).dataIn,
                ).payload,
              );
              assert.ok(list.some((e) => e.formatCode === 0 && e.rds));
            }),
          );
        } else if (bd) {
          it(
            'READ DISC STRUCTURE 00h, media type 1: the BD disc information',
            withDrive(async (t) => {
              const r = await good(
                t,
                readDiscStructure({ formatCode: 0, mediaType: 1, allocationLength: 4100 }),
              );
              const di = decodeBdDiscInformation(decodeReadDiscStructureData(r.dataIn).payload);
              assert.equal(di.discTypeIdentifier, media === 'bd-r' ? 'BDR' : 'BDW');
              assert.equal(di.numberOfLayers, 1);
              assertSense(await t.execute(readDiscStructure({ formatCode: 0 })), 5, 0x30, 2);
            }),
          );
        } else {
          it(
            'READ DISC STRUCTURE on CD: 05/30/02',
            withDrive(async (t) => {
              assertSense(await t.execute(readDiscStructure({ formatCode: 0 })), 5, 0x30, 2);
            }),
          );
        }
      });
    }

    if (caps.descriptorSense === true) {
      it(
        'REQUEST SENSE with DESC=1 answers descriptor-format sense',
        withDrive(async (t) => {
          const r = await good(t, requestSense({ desc: true }));
          assert.equal((r.dataIn[0] ?? 0) & 0x7f, 0x72);
          assert.equal(decodeSense(r.dataIn).senseKey, 0);
        }),
      );
    }

    if (sequential && recording) {
      describe('sequential recording', () => {
        it(
          'starts blank with the invisible track at NWA 0',
          withDrive(async (t) => {
            const di = await discInfo(t);
            assert.equal(di.discStatus, DiscStatus.EMPTY);
            assert.equal(di.numberOfSessions, 1);
            assert.equal(await nwa(t), 0);
            const ti = await trackInfo(t, 1);
            assert.equal(ti.blank, true);
          }),
        );

        it(
          'writes at the NWA, advances it, and reports the disc incomplete',
          unless(caps.staticTrackInfo, STATIC_TRACK_INFO),
          withDrive(async (t) => {
            assertGood(await write(t, 0, 32));
            assert.equal(await nwa(t), 32);
            assertGood(
              await t.execute(
                write12({
                  lba: 32,
                  transferLength: 16,
                  streaming: streamingWrite,
                  data: pattern(32, 16),
                }),
              ),
            );
            assert.equal(await nwa(t), 48);
            const di = await discInfo(t);
            assert.equal(di.discStatus, DiscStatus.INCOMPLETE);
            const ti = await trackInfo(t, 1);
            assert.equal(ti.lraV, true);
            assert.equal(ti.lastRecordedAddress, 47);
            if (caps.readBeforeClose) await assertReadBack(t, 0, 48);
          }),
        );

        if (caps.nwaEnforcement) {
          it(
            'refuses a WRITE anywhere but the NWA with 05/21/02',
            withDrive(async (t) => {
              assertGood(await write(t, 0, 16));
              assertSense(await write(t, 0, 16), 5, 0x21, 2);
              assertSense(await write(t, 32, 16), 5, 0x21, 2);
              assertSense(await write(t, 17, 1), 5, 0x21, 2);
              assert.equal(await nwa(t), 16);
            }),
          );
        }

        it(
          'refuses a WRITE beyond the capacity with 05/21/00',
          unless(
            caps.capacityEnforcement === false,
            'the target enforces no capacity (proven on the virtual drive)',
          ),
          withDrive(async (t) => {
            const ti = await trackInfo(t, INVISIBLE_TRACK_NUMBER);
            const end = ti.logicalTrackStartAddress + ti.logicalTrackSize;
            assertSense(await write(t, end, 16), 5, 0x21, 0);
          }),
        );

        it(
          'refuses to read unrecorded blocks with 05/21/00 (DVD-R/-RW: 05/64/00)',
          withDrive(async (t) => {
            assertGood(await write(t, 0, 16));
            // Real DVD-R drives answer ILLEGAL MODE FOR THIS TRACK (LG GSA-H31N,
            // test/fixtures/drives/lg-gsa-h31n/).
            const dvdMinus = media === 'dvd-r' || media === 'dvd-rw';
            assertSense(
              await t.execute(read10({ lba: 64, transferLength: 1, blockSize: 2048 })),
              5,
              dvdMinus ? 0x64 : 0x21,
              0,
            );
          }),
        );

        it(
          'closes the track, then the session, and reports the new layout',
          unless(caps.staticTrackInfo, STATIC_TRACK_INFO),
          withDrive(async (t) => {
            assertGood(await write(t, 0, 100));
            if (!plus) {
              // CD and DVD-R: the Multi-session field decides whether a next session may follow.
              assertGood(
                await changeWriteParameters(t, { multiSession: MultiSession.NEXT_SESSION_ALLOWED }),
              );
            }
            await good(
              t,
              closeTrackSession({
                closeFunction: CloseFunction.CLOSE_TRACK,
                logicalTrackNumber: 1,
              }),
            );
            const t1 = await trackInfo(t, 1);
            assert.equal(t1.nwaV, false);
            assert.ok(t1.logicalTrackSize >= 100);
            await good(t, closeTrackSession({ closeFunction: CloseFunction.CLOSE_SESSION }));
            const di = await discInfo(t);
            assert.equal(di.discStatus, DiscStatus.INCOMPLETE, 'appendable');
            assert.equal(di.numberOfSessions, 2);
            const next = await nwa(t);
            assert.ok(next > 100, 'the next session starts after the first');
            const cap = decodeReadCapacity10Data((await good(t, readCapacity10())).dataIn);
            assert.equal(cap.blockLength, 2048);
            assert.ok(cap.lastLba >= 99);
            const toc = decodeReadTocPmaAtipData(
              (await good(t, readTocPmaAtip({ format: 0 }))).dataIn,
              { format: 0 },
            );
            assert.equal(toc.format, 0);
            if (toc.format === 0) {
              assert.equal(toc.firstTrackNumber, 1);
              assert.equal(toc.descriptors[0]?.trackStartAddress, 0);
            }
            await assertReadBack(t, 0, 100);
            // A second session goes to the new NWA.
            assertGood(await write(t, next, 16));
          }),
        );

        it(
          'finalizes the disc; a complete disc refuses writes with 05/30/05',
          withDrive(async (t) => {
            assertGood(await write(t, 0, 48));
            assertGood(
              await t.execute(
                write12({
                  lba: 48,
                  transferLength: 16,
                  streaming: streamingWrite,
                  data: pattern(48, 16),
                }),
              ),
            );
            await good(t, synchronizeCache10());
            await good(
              t,
              closeTrackSession({
                closeFunction: CloseFunction.CLOSE_TRACK,
                logicalTrackNumber: 1,
              }),
            );
            // DVD+R and BD-R finalize with their own close function; CD and DVD-R close the
            // session with Multi-session 00b (the default).
            await good(
              t,
              closeTrackSession({
                closeFunction: plus ? CloseFunction.FINALIZE : CloseFunction.CLOSE_SESSION,
              }),
            );
            const di = await discInfo(t);
            assert.equal(di.discStatus, DiscStatus.COMPLETE);
            const cap = decodeReadCapacity10Data((await good(t, readCapacity10())).dataIn);
            assert.ok(cap.lastLba >= 63);
            assertSense(await write(t, cap.lastLba + 1, 16), 5, 0x30, 5);
            await assertReadBack(t, 0, 64);
          }),
        );

        if (media !== 'cd-r' && media !== 'cd-rw') {
          it(
            'reserves a track; its NWA and the next track follow the reservation',
            unless(
              caps.reserveTrack === false,
              'the target does not implement RESERVE TRACK (proven on the virtual drive)',
            ),
            withDrive(async (t) => {
              await good(t, reserveTrack({ arsv: false, reservationSize: 100 }));
              const t1 = await trackInfo(t, 1);
              assert.equal(t1.rt, true);
              assert.ok(t1.logicalTrackSize >= 100);
              const t2 = await trackInfo(t, INVISIBLE_TRACK_NUMBER);
              assert.equal(t2.logicalTrackNumber, 2);
              assert.equal(t2.logicalTrackStartAddress, t1.logicalTrackSize);
              assertGood(await write(t, 0, 16));
              assertGood(await write(t, t2.logicalTrackStartAddress, 16));
              if (caps.nwaEnforcement) {
                // The reserved track ends where track 2 starts: a write crossing it is refused.
                assertSense(await write(t, 16, t1.logicalTrackSize), 5, 0x21, 2);
                // A second reservation needs an empty invisible track.
                assertSense(
                  await t.execute(reserveTrack({ arsv: false, reservationSize: 16 })),
                  5,
                  0x2c,
                  0,
                );
              }
            }),
          );
        }

        if (media === 'cd-rw' || media === 'dvd-rw') {
          it(
            'BLANK (minimal) returns the disc to blank',
            withDrive(async (t) => {
              assertGood(await write(t, 0, 32));
              await good(
                t,
                closeTrackSession({
                  closeFunction: CloseFunction.CLOSE_TRACK,
                  logicalTrackNumber: 1,
                }),
              );
              await good(t, blank({ blankingType: BlankingType.MINIMALLY_BLANK_DISC }));
              assert.equal((await discInfo(t)).discStatus, DiscStatus.EMPTY);
              assert.equal(await nwa(t), 0);
              assertSense(
                await t.execute(blank({ blankingType: BlankingType.BLANK_TRACK_TAIL })),
                5,
                0x24,
                0,
              );
            }),
          );
        } else {
          it(
            'refuses BLANK on write-once media',
            withDrive(async (t) => {
              const r = await t.execute(blank({ blankingType: BlankingType.BLANK_DISC }));
              assert.equal(senseOf(r)[0], 5);
            }),
          );
        }
      });
    }

    if (cd && recording) {
      describe('CD write parameters', () => {
        it(
          'sector size follows the Data Block Type; a wrong size is 05/64/00',
          withDrive(async (t) => {
            assertGood(
              await changeWriteParameters(t, {
                writeType: WriteType.TAO,
                dataBlockType: DataBlockType.MODE_2,
              }),
            );
            assertSense(await write(t, 0, 4, 2048), 5, 0x64, 0);
            assertGood(await write(t, 0, 4, 2336));
            assert.equal(await nwa(t), 4);
          }),
        );

        it(
          'TAO refuses negative LBAs; SAO starts the session in the pre-gap at -150',
          withDrive(async (t) => {
            assertSense(await write(t, -150, 1), 5, 0x21, 2);
            assertGood(
              await changeWriteParameters(t, {
                writeType: WriteType.SAO,
                dataBlockType: DataBlockType.RAW,
              }),
            );
            assertGood(await write(t, -150, 150, 2352));
            assertGood(await write(t, 0, 10, 2352));
            assert.equal(await nwa(t), 10);
          }),
        );

        it(
          'raw writing starts in the lead-in with 2448-byte sectors',
          withDrive(async (t) => {
            assertGood(
              await changeWriteParameters(t, {
                writeType: WriteType.RAW,
                dataBlockType: DataBlockType.RAW_PW,
              }),
            );
            const di = await discInfo(t);
            const leadIn = di.lastSessionLeadInStartAddress;
            assert.ok(leadIn !== null && leadIn < -150, 'a blank CD reports its lead-in start');
            assertGood(await write(t, leadIn, 26, 2448));
            assertGood(await write(t, leadIn + 26, 26, 2448));
          }),
        );

        it(
          'refuses data block types the write type cannot carry (05/26/00)',
          withDrive(async (t) => {
            assertSense(
              await changeWriteParameters(t, {
                writeType: WriteType.RAW,
                dataBlockType: DataBlockType.MODE_1,
              }),
              5,
              0x26,
              0,
            );
            assertSense(await changeWriteParameters(t, { writeType: 7 }), 5, 0x26, 0);
          }),
        );

        it(
          'Test Write accepts writes but records nothing',
          withDrive(async (t) => {
            assertGood(await changeWriteParameters(t, { testWrite: true }));
            assertGood(await write(t, 0, 32));
            assertGood(await write(t, 32, 32));
            await good(
              t,
              closeTrackSession({
                closeFunction: CloseFunction.CLOSE_TRACK,
                logicalTrackNumber: 1,
              }),
            );
            assertGood(await changeWriteParameters(t, { testWrite: false }));
            assert.equal((await discInfo(t)).discStatus, DiscStatus.EMPTY);
            assert.equal(await nwa(t), 0);
          }),
        );
      });
    }

    if (!sequential && recording) {
      describe('random-writable recording', () => {
        if (formattable) {
          it(
            'refuses writes before FORMAT UNIT; READ FORMAT CAPACITIES offers formats',
            withDrive(async (t) => {
              const r = await good(t, readFormatCapacities());
              const fc = decodeReadFormatCapacitiesData(r.dataIn);
              assert.equal(fc.currentMaximumCapacity.descriptorType, 0b01, 'unformatted');
              assert.ok(fc.formattableCapacities.length > 0);
              assert.equal(senseOf(await write(t, 0, 16))[0], 5);
            }),
          );
        }

        it(
          'writes and rewrites anywhere in the formatted area',
          withDrive(async (t) => {
            await prepare(t);
            const fc = decodeReadFormatCapacitiesData(
              (await good(t, readFormatCapacities())).dataIn,
            );
            assert.equal(fc.currentMaximumCapacity.descriptorType, 0b10, 'formatted');
            const capacity = fc.currentMaximumCapacity.numberOfBlocks;
            assertGood(await write(t, 1024, 32));
            assertGood(await write(t, 0, 32));
            assertGood(await write(t, 1024, 32));
            await assertReadBack(t, 1024, 32);
            await assertReadBack(t, 0, 32);
            assertSense(await write(t, capacity - 16, 32), 5, 0x21, 0);
            const cap = decodeReadCapacity10Data((await good(t, readCapacity10())).dataIn);
            assert.equal(cap.lastLba, capacity - 1);
          }),
        );
      });
    }

    if (caps.reopen !== undefined) {
      const reopen = caps.reopen;
      describe('persistence', () => {
        it('reopening gives the same disc: layout and data', async () => {
          let t = await open();
          try {
            await prepare(t);
            assertGood(await write(t, 0, 48));
            if (sequential) {
              await good(
                t,
                closeTrackSession({
                  closeFunction: CloseFunction.CLOSE_TRACK,
                  logicalTrackNumber: 1,
                }),
              );
            } else {
              await good(t, synchronizeCache10());
            }
            const before = await discInfo(t);
            const track = await trackInfo(t, 1);
            t = await reopen(t);
            assert.deepEqual(await discInfo(t), before);
            assert.deepEqual(await trackInfo(t, 1), track);
            await assertReadBack(t, 0, 48);
            if (sequential) assertGood(await write(t, await nwa(t), 16));
          } finally {
            await t.close();
          }
        });

        if (sequential && plus) {
          it('an appendable multi-session disc survives reopening', async () => {
            let t = await open();
            try {
              assertGood(await write(t, 0, 32));
              await good(t, closeTrackSession({ closeFunction: CloseFunction.CLOSE_SESSION }));
              const next = await nwa(t);
              t = await reopen(t);
              const di = await discInfo(t);
              assert.equal(di.numberOfSessions, 2);
              assert.equal(await nwa(t), next);
              assertGood(await write(t, next, 32));
              await good(t, closeTrackSession({ closeFunction: CloseFunction.CLOSE_SESSION }));
              t = await reopen(t);
              assert.equal((await discInfo(t)).numberOfSessions, 3);
              await assertReadBack(t, 0, 32);
              await assertReadBack(t, next, 32);
            } finally {
              await t.close();
            }
          });
        }
      });
    }

    if (caps.faults !== undefined) {
      const faultsOf = caps.faults;
      describe('faults', () => {
        it(
          'fails a WRITE touching a given LBA with the given sense and its LBA',
          withDrive(async (t) => {
            await prepare(t);
            faultsOf(t).failAt(40, { senseKey: 3, asc: 0x0c, ascq: 0x00 });
            assertGood(await write(t, 0, 32));
            const r = await write(t, 32, 16);
            assertSense(r, 3, 0x0c, 0);
            assert.equal(decodeSense(r.sense).information, 40);
          }),
        );

        it(
          'answers N WRITEs with 02/04/08, then accepts',
          withDrive(async (t) => {
            await prepare(t);
            faultsOf(t).busy(2, 8);
            assertSense(await write(t, 0, 16), 2, 4, 8);
            assertSense(await write(t, 0, 16), 2, 4, 8);
            assertGood(await write(t, 0, 16));
          }),
        );

        it(
          'answers 02/04/07 when asked',
          withDrive(async (t) => {
            await prepare(t);
            faultsOf(t).busy(1, 7);
            assertSense(await write(t, 0, 16), 2, 4, 7);
          }),
        );

        it(
          'vanishes after N commands: later commands reject with 0x80070037',
          withDrive(async (t) => {
            faultsOf(t).vanishAfter(1);
            assertGood(await t.execute(testUnitReady()));
            await rejects(t.execute(testUnitReady()), HR.ERROR_DEV_NOT_EXIST);
            await rejects(t.execute(inquiry()), HR.ERROR_DEV_NOT_EXIST);
          }),
        );

        it(
          'raises a unit attention once; INQUIRY does not consume it',
          withDrive(async (t) => {
            faultsOf(t).unitAttention(0x29, 0x00);
            assertGood(await t.execute(inquiry()));
            assertSense(await t.execute(testUnitReady()), 6, 0x29, 0);
            assertGood(await t.execute(testUnitReady()));
          }),
        );
      });
    }

    if (caps.paced !== undefined && sequential) {
      const paced = caps.paced;
      describe('pacing and underrun (virtual clock)', () => {
        const blocksFor = (bytes: number) => Math.floor(bytes / 2048);
        /** Runs `body` on a freshly opened paced drive and closes it whatever happens. */
        const withPaced = async (
          options: Parameters<typeof paced>[0],
          body: (p: Awaited<ReturnType<typeof paced>>, t: Transport) => Promise<void>,
        ): Promise<void> => {
          const p = await paced(options);
          try {
            await body(p, p.transport);
          } finally {
            await p.transport.close();
          }
        };

        it('a full buffer answers 02/04/08 until it drains', async () => {
          await withPaced({ bufe: true, bufferBytes: 256 * 1024 }, async (p, t) => {
            let lba = 0;
            const chunk = 16;
            // Fill the 256 KiB buffer without letting time pass.
            for (let i = 0; i < blocksFor(256 * 1024) / chunk; i++) {
              assertGood(await write(t, lba, chunk));
              lba += chunk;
            }
            assertSense(await write(t, lba, chunk), 2, 4, 8);
            const rbc = decodeReadBufferCapacityData((await good(t, readBufferCapacity())).dataIn);
            assert.ok(!rbc.blockDataReturned && rbc.bufferAvailableBytes < chunk * 2048);
            p.clock.advance(2000);
            assertGood(await write(t, lba, chunk));
            assert.equal(p.underruns(), 1, 'the buffer ran dry during the 2 s pause');
          });
        });

        it('SYNCHRONIZE CACHE waits for the buffer to drain on the clock', async () => {
          await withPaced({ bufe: true, bufferBytes: 1024 * 1024 }, async (p, t) => {
            assertGood(await write(t, 0, 256));
            const before = p.clock.now();
            const sync = t.execute(synchronizeCache10());
            // The clock is manual: the drain completes only when time moves.
            let settled = false;
            void sync.then(() => (settled = true));
            await new Promise((r) => setImmediate(r));
            assert.equal(settled, false);
            p.clock.advance(60_000);
            assertGood(await sync);
            assert.ok(p.clock.now() > before);
            const rbc = decodeReadBufferCapacityData((await good(t, readBufferCapacity())).dataIn);
            assert.ok(!rbc.blockDataReturned && rbc.bufferAvailableBytes === rbc.bufferLengthBytes);
          });
        });

        it('with BUFE an underrun is bridged and counted', async () => {
          await withPaced({ bufe: true, bufferBytes: 1024 * 1024 }, async (p, t) => {
            assertGood(await write(t, 0, 32));
            p.clock.advance(10_000);
            assertGood(await write(t, 32, 32));
            assert.equal(p.underruns(), 1);
            assert.equal(await nwa(t), 64);
          });
        });

        if (cd || media === 'dvd-r' || media === 'dvd-rw') {
          it('without BUFE an underrun fails the WRITE with 03/0C/09', async () => {
            await withPaced({ bufe: false, bufferBytes: 1024 * 1024 }, async (p, t) => {
              assertGood(await write(t, 0, 32));
              p.clock.advance(10_000);
              const r = await write(t, 32, 32);
              assertSense(r, 3, 0x0c, 9);
              assert.equal((await trackInfo(t, 1)).damage, true);
            });
          });
        } else {
          it('lossless linking: BUFE off does not fail DVD+R / BD-R', async () => {
            await withPaced({ bufe: false, bufferBytes: 1024 * 1024 }, async (p, t) => {
              assertGood(await write(t, 0, 32));
              p.clock.advance(10_000);
              assertGood(await write(t, 32, 32));
              assert.equal(p.underruns(), 1);
            });
          });
        }
      });
    }
  });
}
