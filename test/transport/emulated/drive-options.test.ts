// Virtual drive options that make it a less capable recorder (docs/virtual-drive.md): Real Time
// Streaming without SW or not listed (`streaming`), a slot loader (`loader`), no READ BUFFER
// CAPACITY (`rbc`), and no unit attention after a load by START STOP UNIT (`loadAttention`). Checked at the byte level of GET CONFIGURATION and MODE SENSE answers and by
// the sense of the commands such a drive refuses.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openVirtualDrive, parseVirtualAddress } from '../../../src/transport/emulated/index.js';
import type { VirtualDrive } from '../../../src/transport/emulated/index.js';
import { DwError, HR } from '../../../src/errors.js';
import { ScsiStatus, type ScsiResult } from '../../../src/scsi/command.js';
import { decodeSense } from '../../../src/scsi/sense.js';
import { write12 } from '../../../src/scsi/block/write-12.js';
import { getConfiguration, GetConfigurationRt } from '../../../src/scsi/mmc/get-configuration.js';
import { setStreaming } from '../../../src/scsi/mmc/set-streaming.js';
import { readBufferCapacity } from '../../../src/scsi/mmc/read-buffer-capacity.js';
import { ejectMedium, loadMedium } from '../../../src/scsi/spc/start-stop-unit.js';
import { testUnitReady } from '../../../src/scsi/spc/test-unit-ready.js';
import {
  MediaEventCode,
  NotificationClassMask,
  decodeGetEventStatusNotificationData,
  getEventStatusNotification,
  mediaEventOf,
} from '../../../src/scsi/mmc/get-event-status-notification.js';
import { modeSense10, decodeModeSense10Data } from '../../../src/scsi/spc/mode-sense-10.js';
import { VirtualClock } from '../../../src/transport/clock.js';
import { h } from '../../helpers/bytes.js';

const isDw = (hr: number) => (e: unknown) => e instanceof DwError && e.hr === hr;

function open(address: string): Promise<VirtualDrive> {
  return openVirtualDrive(address, { clock: new VirtualClock() });
}

function senseOf(r: ScsiResult): [number, number, number] {
  assert.equal(r.status, ScsiStatus.CHECK_CONDITION);
  const s = decodeSense(r.sense);
  return [s.senseKey, s.asc, s.ascq];
}

/** The descriptor of one feature (RT = 10b), or an empty array when the drive lacks it. */
async function feature(d: VirtualDrive, code: number): Promise<Uint8Array> {
  const r = await d.execute(
    getConfiguration({
      rt: GetConfigurationRt.ONE,
      startingFeatureNumber: code,
      allocationLength: 64,
    }),
  );
  assert.equal(r.status, ScsiStatus.GOOD);
  // Feature header: DATA LENGTH counts the bytes after itself.
  const length =
    ((r.dataIn[0]! << 24) | (r.dataIn[1]! << 16) | (r.dataIn[2]! << 8) | r.dataIn[3]!) >>> 0;
  return r.dataIn.subarray(8, 4 + length);
}

const streamingWrite = (streaming: boolean) =>
  write12({ lba: 0, transferLength: 16, streaming, data: new Uint8Array(16 * 2048).fill(0x5a) });

const streamingDescriptor = setStreaming({
  endLba: 1000,
  readSizeKB: 5540,
  readTimeMs: 1000,
  writeSizeKB: 5540,
  writeTimeMs: 1000,
});

describe('virtual drive options: parsing', () => {
  it('defaults to a streaming, tray-loading drive with READ BUFFER CAPACITY', () => {
    const o = parseVirtualAddress('virtual:dvd+r');
    assert.equal(o.streaming, 'on');
    assert.equal(o.loader, 'tray');
    assert.equal(o.readBufferCapacity, true);
    assert.equal(o.loadAttention, true);
  });

  it('parses streaming, loader and rbc', () => {
    assert.equal(parseVirtualAddress('virtual:dvd+r?streaming=0').streaming, 'off');
    assert.equal(parseVirtualAddress('virtual:dvd+r?streaming=off').streaming, 'off');
    assert.equal(parseVirtualAddress('virtual:dvd+r?streaming=absent').streaming, 'absent');
    assert.equal(parseVirtualAddress('virtual:dvd+r?streaming=on').streaming, 'on');
    assert.equal(parseVirtualAddress('virtual:dvd+r?loader=slot').loader, 'slot');
    assert.equal(parseVirtualAddress('virtual:dvd+r?loader=tray').loader, 'tray');
    assert.equal(parseVirtualAddress('virtual:dvd+r?rbc=0').readBufferCapacity, false);
    assert.equal(parseVirtualAddress('virtual:dvd+r?rbc=on').readBufferCapacity, true);
    assert.equal(parseVirtualAddress('virtual:dvd+r?loadAttention=off').loadAttention, false);
    assert.equal(parseVirtualAddress('virtual:dvd+r?loadAttention=1').loadAttention, true);
    assert.equal(parseVirtualAddress('virtual:cd-r').cdMastering, 'raw96');
    for (const m of ['raw96', 'raw16', 'sao'] as const) {
      assert.equal(parseVirtualAddress(`virtual:cd-r?mastering=${m}`).cdMastering, m);
    }
  });

  it('rejects bad values with E_INVALIDARG', () => {
    for (const bad of [
      'virtual:dvd+r?streaming=maybe',
      'virtual:dvd+r?streaming=',
      'virtual:dvd+r?loader=caddy',
      'virtual:dvd+r?loader=',
      'virtual:dvd+r?rbc=2',
      'virtual:dvd+r?rbc=0&rbc=1',
      'virtual:dvd+r?loadAttention=later',
      'virtual:dvd+r?loadattention=off',
      'virtual:cd-r?mastering=raw',
      'virtual:cd-r?mastering=',
    ]) {
      assert.throws(() => parseVirtualAddress(bad), isDw(HR.E_INVALIDARG), bad);
    }
  });
});

describe('virtual drive options: streaming', () => {
  it('default: Real Time Streaming current with SW; WRITE(12) with Streaming is accepted', async () => {
    const d = await open('virtual:dvd+r');
    // 0107h, version 3, current; RBCB SCS MP2A WSPD SW.
    assert.deepEqual(await feature(d, 0x0107), h('01 07 0D 04 1F 00 00 00'));
    assert.equal((await d.execute(streamingWrite(true))).status, ScsiStatus.GOOD);
    await d.close();
  });

  it('streaming=off: listed without SW; WRITE(12) with Streaming is 05/24/00, without it GOOD', async () => {
    const d = await open('virtual:dvd+r?streaming=off');
    assert.deepEqual(await feature(d, 0x0107), h('01 07 0D 04 1E 00 00 00'));
    assert.deepEqual(senseOf(await d.execute(streamingWrite(true))), [5, 0x24, 0]);
    assert.equal(d.control.media.nwa, 0, 'nothing was recorded');
    assert.equal((await d.execute(streamingWrite(false))).status, ScsiStatus.GOOD);
    assert.equal(d.control.media.nwa, 16);
    // The feature is there, so SET STREAMING still selects speeds.
    assert.equal((await d.execute(streamingDescriptor)).status, ScsiStatus.GOOD);
    await d.close();
  });

  it('streaming=absent: not listed; SET STREAMING is 05/20/00, WRITE(12) Streaming 05/24/00', async () => {
    const d = await open('virtual:dvd+r?streaming=absent');
    assert.deepEqual(await feature(d, 0x0107), h(''));
    assert.deepEqual(senseOf(await d.execute(streamingDescriptor)), [5, 0x20, 0]);
    assert.deepEqual(senseOf(await d.execute(streamingWrite(true))), [5, 0x24, 0]);
    assert.equal((await d.execute(streamingWrite(false))).status, ScsiStatus.GOOD);
    await d.close();
  });
});

describe('virtual drive options: loader', () => {
  /** Loading Mechanism Type of the capabilities page 2Ah (byte 6, bits 7..5). */
  async function capabilitiesLoader(d: VirtualDrive): Promise<number> {
    const r = await d.execute(modeSense10({ pageCode: 0x2a, allocationLength: 256, dbd: true }));
    const page = decodeModeSense10Data(r.dataIn).pages[0]!;
    return page.bytes[6]! >> 5;
  }

  it('tray (default): Removable Medium with type 001b and Load; eject and load work', async () => {
    const d = await open('virtual:dvd+r');
    // 0003h, version 2, persistent, current; type 001b, Load, Eject, Pvnt Jmpr, Lock.
    assert.deepEqual(await feature(d, 0x0003), h('00 03 0B 04 3D 00 00 00'));
    assert.equal(await capabilitiesLoader(d), 0b001);
    assert.equal((await d.execute(ejectMedium())).status, ScsiStatus.GOOD);
    assert.equal((await d.execute(loadMedium())).status, ScsiStatus.GOOD);
    assert.equal(d.control.media.trayOpen, false);
    await d.close();
  });

  it('slot: type 000b without Load; eject works, load is 05/24/00 and the disc stays out', async () => {
    const d = await open('virtual:dvd+r?loader=slot');
    assert.deepEqual(await feature(d, 0x0003), h('00 03 0B 04 0D 00 00 00'));
    assert.equal(await capabilitiesLoader(d), 0b000);
    assert.equal((await d.execute(ejectMedium())).status, ScsiStatus.GOOD);
    assert.equal(d.control.media.trayOpen, true);
    assert.deepEqual(senseOf(await d.execute(loadMedium())), [5, 0x24, 0]);
    assert.equal(d.control.media.trayOpen, true);
    assert.equal(d.control.log.at(-1)!.status, ScsiStatus.CHECK_CONDITION);
    await d.close();
  });
});

describe('virtual drive options: rbc', () => {
  it('rbc=0: READ BUFFER CAPACITY (bytes and blocks) is 05/20/00; RBCB is clear', async () => {
    const d = await open('virtual:dvd+r?rbc=0');
    assert.deepEqual(senseOf(await d.execute(readBufferCapacity())), [5, 0x20, 0]);
    assert.deepEqual(senseOf(await d.execute(readBufferCapacity({ block: true }))), [5, 0x20, 0]);
    assert.deepEqual(await feature(d, 0x0107), h('01 07 0D 04 0F 00 00 00'));
    await d.close();
  });

  it('default: READ BUFFER CAPACITY answers', async () => {
    const d = await open('virtual:dvd+r');
    const r = await d.execute(readBufferCapacity());
    assert.equal(r.status, ScsiStatus.GOOD);
    // Buffer length 4 MiB in bytes 4..7.
    assert.deepEqual(r.dataIn.subarray(4, 8), h('00 40 00 00'));
    await d.close();
  });
});

describe('virtual drive options: loadAttention', () => {
  /** The media event GET EVENT STATUS NOTIFICATION reports (polled, media class). */
  async function mediaEvent(d: VirtualDrive): Promise<number | undefined> {
    const r = await d.execute(
      getEventStatusNotification({ notificationClassRequest: NotificationClassMask.MEDIA }),
    );
    assert.equal(r.status, ScsiStatus.GOOD);
    return mediaEventOf(decodeGetEventStatusNotificationData(r.dataIn))?.mediaEventCode;
  }

  it('default: a load by START STOP UNIT reports 06/28/00 once, then the drive is ready', async () => {
    const d = await open('virtual:dvd+rw?formatted=true');
    assert.equal((await d.execute(ejectMedium())).status, ScsiStatus.GOOD);
    assert.equal((await d.execute(loadMedium())).status, ScsiStatus.GOOD);
    assert.deepEqual(senseOf(await d.execute(testUnitReady())), [6, 0x28, 0]);
    assert.equal((await d.execute(testUnitReady())).status, ScsiStatus.GOOD);
    await d.close();
  });

  for (const immed of [false, true]) {
    it(`off: TEST UNIT READY is GOOD at once after a load with Immed ${Number(immed)}; GET EVENT STATUS NOTIFICATION reports NewMedia`, async () => {
      const d = await open('virtual:dvd+rw?formatted=true&loadAttention=off');
      assert.equal((await d.execute(ejectMedium({ immed }))).status, ScsiStatus.GOOD);
      assert.deepEqual(senseOf(await d.execute(testUnitReady())), [2, 0x3a, 0x02]);
      assert.equal((await d.execute(loadMedium({ immed }))).status, ScsiStatus.GOOD);
      assert.equal(await mediaEvent(d), MediaEventCode.NEW_MEDIA);
      assert.equal((await d.execute(testUnitReady())).status, ScsiStatus.GOOD);
      assert.equal(await mediaEvent(d), MediaEventCode.NO_CHG, 'the event was reported once');
      await d.close();
    });
  }

  it('off: a disc put in through control.load still reports 06/28/00', async () => {
    const d = await open('virtual:dvd+rw?formatted=true&loadAttention=off');
    await d.control.eject();
    await d.control.load('dvd-ram');
    assert.deepEqual(senseOf(await d.execute(testUnitReady())), [6, 0x28, 0]);
    assert.equal((await d.execute(testUnitReady())).status, ScsiStatus.GOOD);
    await d.close();
  });
});
