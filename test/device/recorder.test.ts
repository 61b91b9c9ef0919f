// DiscRecorder (spec §4) over the virtual drive: identity, the raw sendCommand* contract, typed
// helpers and their errors, feature and mode page handling, exclusive access, MCN, the queue.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DiscRecorder } from '../../src/device/recorder.js';
import { openRecorder, listRecorders } from '../../src/device/open.js';
import { addressKind } from '../../src/device/address.js';
import { ModePageRequestType, ReadTrackAddressType } from '../../src/device/types.js';
import type { DwError } from '../../src/errors.js';
import { HR } from '../../src/errors.js';
import { VirtualClock } from '../../src/transport/clock.js';
import { cat, h, zeros } from '../helpers/bytes.js';
import { rejectsWith, rig } from '../helpers/recorder.js';
import { openVirtualDrive } from '../../src/transport/emulated/index.js';
import type { Transport } from '../../src/transport/transport.js';

/** The virtual drive plus the optional platform hooks, recording how the recorder uses them. */
async function hookedDrive(calls: string[]): Promise<Transport> {
  const drive = await openVirtualDrive('virtual:dvd+r', { clock: new VirtualClock() });
  let owner = '';
  return {
    address: drive.address,
    execute: (c, o) => drive.execute(c, o),
    limits: () => drive.limits(),
    close: () => drive.close(),
    exclusiveAccess: {
      acquire(force, clientName) {
        calls.push(`acquire ${String(force)} ${clientName}`);
        owner = clientName;
        return Promise.resolve();
      },
      release() {
        calls.push('release');
        owner = '';
        return Promise.resolve();
      },
      owner: () => Promise.resolve(owner === '' ? 'another.process' : owner),
    },
    setMediaChangeNotification(enabled) {
      calls.push(`mcn ${String(enabled)}`);
      return Promise.resolve();
    },
  };
}

const INQUIRY_36 = h('12 00 00 00 24 00');

describe('DiscRecorder identity (spec §4.2)', () => {
  it('reads vendor, product and revision from INQUIRY bytes 8..35, trimmed', async () => {
    const { recorder } = await rig();
    const raw = await recorder.sendCommandGetDataFromDevice(INQUIRY_36, 10, 36);
    assert.equal(raw.hr, HR.S_OK);
    assert.equal(raw.data.length, 36);
    const ascii = (a: number, b: number) =>
      Buffer.from(raw.data.subarray(a, b)).toString('latin1').trimEnd();
    assert.equal(recorder.vendorId, ascii(8, 16));
    assert.equal(recorder.productId, ascii(16, 32));
    assert.equal(recorder.productRevision, ascii(32, 36));
    assert.ok(recorder.vendorId.length > 0);
    assert.equal(recorder.activeDiscRecorder, 'virtual:dvd+r');
    assert.equal(recorder.volumeName, 'virtual:dvd+r');
    assert.deepEqual(recorder.volumePathNames, []);
    assert.equal(recorder.legacyDeviceNumber, -1);
    assert.equal(recorder.deviceCanLoadMedia, true, 'the virtual drive has a tray');
    const dev = await recorder.getDeviceDescriptor();
    assert.equal(dev.deviceType, 5);
    assert.equal(dev.busType, 'virtual');
    const ad = await recorder.getAdapterDescriptor();
    assert.equal(ad.maximumTransferLength, 65536);
    assert.equal(await recorder.getMaximumPageAlignedTransferSize(), 65536);
    assert.equal(await recorder.getMaximumNonPageAlignedTransferSize(), 65536);
    assert.equal(await recorder.getByteAlignmentMask(), 512);
    await recorder.close();
  });

  it('every call before initializeDiscRecorder (or after close) → 0x80070006', async () => {
    const r = new DiscRecorder();
    assert.equal((await rejectsWith(r.getDiscInformation())).hr, HR.ERROR_INVALID_HANDLE);
    assert.equal(
      (await rejectsWith(r.sendCommandNoData(h('00 00 00 00 00 00'), 10))).hr,
      HR.ERROR_INVALID_HANDLE,
    );
    assert.throws(
      () => r.vendorId,
      (e: DwError) => e.hr === HR.ERROR_INVALID_HANDLE,
    );
    const { recorder } = await rig();
    await recorder.close();
    await recorder.close(); // idempotent
    assert.equal(
      (await rejectsWith(recorder.getSupportedProfiles(false))).hr,
      HR.ERROR_INVALID_HANDLE,
    );
  });

  it('opens by address through openRecorder and refuses unknown addresses', async () => {
    const clock = new VirtualClock();
    const r = await openRecorder('virtual:bd-r', { clock });
    assert.deepEqual(await r.getSupportedProfiles(true), [0x41]);
    await r.close();
    assert.equal((await rejectsWith(openRecorder('floppy:a'))).hr, HR.E_INVALIDARG);
    assert.equal((await rejectsWith(openRecorder('virtual:zip-disk'))).hr, HR.E_INVALIDARG);
    assert.equal(addressKind('iscsi://10.0.0.1/iqn.2024-01.x:dvd/1'), 'iscsi');
    assert.equal(addressKind('/dev/sg3'), 'sgio');
    assert.equal(addressKind('/dev/sr0'), 'sgio');
    assert.equal(addressKind('D:'), 'spti');
    assert.equal(addressKind('\\\\.\\CdRom0'), 'spti');
    assert.ok(Array.isArray(await listRecorders()));
  });
});

describe('IDiscRecorder2Ex sendCommand* (spec §4.3–§4.5)', () => {
  it('checks the CDB length against the opcode group before sending anything', async () => {
    const { recorder, log } = await rig();
    const before = log.length;
    const e1 = await rejectsWith(recorder.sendCommandNoData(cat([0x00], zeros(9)), 10));
    assert.equal(e1.hr, HR.E_INVALIDARG);
    const e2 = await rejectsWith(
      recorder.sendCommandGetDataFromDevice(cat([0x12], zeros(9)), 10, 36),
    );
    assert.equal(e2.hr, HR.E_INVALIDARG);
    const e3 = await rejectsWith(
      recorder.sendCommandSendDataToDevice(cat([0xaa], zeros(9)), 10, new Uint8Array(2048)),
    );
    assert.equal(e3.hr, HR.E_INVALIDARG);
    assert.equal(
      (await rejectsWith(recorder.sendCommandNoData(new Uint8Array(4), 10))).hr,
      HR.E_INVALIDARG,
    );
    assert.equal(
      (await rejectsWith(recorder.sendCommandNoData(null as unknown as Uint8Array, 10))).hr,
      HR.E_POINTER,
    );
    assert.equal(log.length, before, 'nothing reached the drive');
    await recorder.close();
  });

  it('validates timeout, data and length', async () => {
    const { recorder } = await rig();
    const tur = h('00 00 00 00 00 00');
    for (const t of [0, -1, 1.5, NaN]) {
      assert.equal((await rejectsWith(recorder.sendCommandNoData(tur, t))).hr, HR.E_INVALIDARG);
    }
    const w10 = h('2A 00 00000000 00 0001 00');
    assert.equal(
      (
        await rejectsWith(
          recorder.sendCommandSendDataToDevice(w10, 10, null as unknown as Uint8Array),
        )
      ).hr,
      HR.E_POINTER,
    );
    assert.equal(
      (await rejectsWith(recorder.sendCommandSendDataToDevice(w10, 10, new Uint8Array(0)))).hr,
      HR.E_INVALIDARG,
    );
    assert.equal(
      (await rejectsWith(recorder.sendCommandSendDataToDevice(w10, 10, new Uint8Array(65537)))).hr,
      HR.E_INVALIDARG,
    );
    assert.equal(
      (await rejectsWith(recorder.sendCommandGetDataFromDevice(INQUIRY_36, 10, 0))).hr,
      HR.E_INVALIDARG,
    );
    await recorder.close();
  });

  it('a device-failed command resolves S_IMAPI_COMMAND_HAS_SENSE_DATA with 18-byte fixed sense', async () => {
    const { recorder } = await rig();
    // READ(10) of an unrecorded block of a blank DVD+R.
    const r = await recorder.sendCommandGetDataFromDevice(h('28 00 00001000 00 0001 00'), 10, 2048);
    assert.equal(r.hr, HR.S_IMAPI_COMMAND_HAS_SENSE_DATA);
    assert.equal(r.sense.length, 18);
    assert.equal(r.sense[0]! & 0x7f, 0x70);
    assert.equal(r.sense[2]! & 0x0f, 0x05);
    assert.equal(r.sense[7], 10);
    assert.equal(r.sense[12], 0x21);
    // An opcode the drive does not implement.
    const v = await recorder.sendCommandNoData(cat([0xc5], zeros(11)), 10);
    assert.equal(v.hr, HR.S_IMAPI_COMMAND_HAS_SENSE_DATA);
    assert.equal(v.sense[12], 0x20);
    const ok = await recorder.sendCommandNoData(h('00 00 00 00 00 00'), 10);
    assert.equal(ok.hr, HR.S_OK);
    assert.deepEqual(ok.sense, new Uint8Array(18));
    await recorder.close();
  });

  it('converts descriptor sense, and rejects CHECK CONDITION without usable sense', async () => {
    const drive = await openVirtualDrive('virtual:dvd+r', { clock: new VirtualClock() });
    let answer: { status: number; sense: Uint8Array } | undefined;
    const transport: Transport = {
      address: drive.address,
      // TEST UNIT READY is answered from `answer` when set; everything else reaches the drive.
      execute: (c, o) =>
        c.cdb[0] === 0x00 && answer !== undefined
          ? Promise.resolve({ ...answer, dataIn: new Uint8Array(0), residual: 0 })
          : drive.execute(c, o),
      limits: () => drive.limits(),
      close: () => drive.close(),
    };
    const recorder = await DiscRecorder.fromTransport(transport);
    const tur = h('00 00 00 00 00 00');
    // Descriptor format (72h): key 3, ASC 0Ch, ASCQ 09h, information descriptor = 1234h.
    answer = { status: 2, sense: h('72 03 0C 09 00 00 00 0C 00 0A 80 00 00000000 00001234') };
    const r = await recorder.sendCommandNoData(tur, 10);
    assert.equal(r.hr, HR.S_IMAPI_COMMAND_HAS_SENSE_DATA);
    assert.deepEqual(r.sense, h('F0 00 03 00001234 0A 00000000 0C 09 00 000000'));
    assert.equal((await rejectsWith(recorder.testUnitReady())).hr, HR.E_IMAPI_LOSS_OF_STREAMING);
    answer = { status: 2, sense: new Uint8Array(0) };
    assert.equal(
      (await rejectsWith(recorder.sendCommandNoData(tur, 10))).hr,
      HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
    );
    answer = { status: 2, sense: h('7F 00 05 00') };
    assert.equal(
      (await rejectsWith(recorder.testUnitReady())).hr,
      HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
    );
    answer = { status: 0x18, sense: new Uint8Array(0) }; // RESERVATION CONFLICT
    assert.equal((await rejectsWith(recorder.testUnitReady())).hr, HR.E_IMAPI_RECORDER_LOCKED);
    answer = { status: 0x08, sense: new Uint8Array(0) }; // BUSY
    assert.equal((await rejectsWith(recorder.sendCommandNoData(tur, 10))).hr, HR.ERROR_IO_DEVICE);
    answer = undefined;
    assert.equal((await recorder.sendCommandNoData(tur, 10)).hr, HR.S_OK);
    await recorder.close();
  });

  it('data-in holds the bytes actually received', async () => {
    const { recorder } = await rig();
    const r = await recorder.sendCommandGetDataFromDevice(h('12 00 00 00 FF 00'), 10, 255);
    assert.equal(r.hr, HR.S_OK);
    assert.equal(r.data.length, r.data[4]! + 5);
    await recorder.close();
  });

  it('a transport failure rejects: the vanished device → 0x80070037', async () => {
    const { recorder, drive } = await rig();
    drive.control.faults.vanishAfter(0);
    assert.equal(
      (await rejectsWith(recorder.sendCommandNoData(h('00 00 00 00 00 00'), 10))).hr,
      HR.ERROR_DEV_NOT_EXIST,
    );
    assert.equal((await rejectsWith(recorder.testUnitReady())).hr, HR.ERROR_DEV_NOT_EXIST);
    await recorder.close();
  });

  it('queues concurrent commands FIFO (the transport accepts one at a time)', async () => {
    const { recorder, log } = await rig();
    const before = log.length;
    const tur = h('00 00 00 00 00 00');
    const results = await Promise.all([
      recorder.sendCommandNoData(tur, 10),
      recorder.getDiscInformation(),
      recorder.sendCommandGetDataFromDevice(INQUIRY_36, 10, 36),
      recorder.testUnitReady(),
    ]);
    assert.equal(results.length, 4);
    const ops = log.slice(before).map((e) => e.opcode);
    // Commands queue in call order; a helper's second command (the full reply) queues when its
    // header has arrived.
    assert.deepEqual(ops, [0x00, 0x51, 0x12, 0x00, 0x51]);
    assert.ok(log.slice(before).every((e) => e.error === undefined));
    await recorder.close();
  });
});

describe('typed helpers and errors (spec §4.5, §7)', () => {
  it('reject with a DwError carrying sense, decoded sense, command and CDB', async () => {
    const { recorder } = await rig();
    const err = await rejectsWith(recorder.readBlocks(4096, 1));
    assert.equal(err.hr, HR.ERROR_INVALID_ADDRESS);
    assert.equal(err.command, 'READ(10)');
    assert.deepEqual(err.cdb, h('28 00 00001000 00 0001 00'));
    assert.equal(err.sense?.length, 18);
    assert.equal(err.senseInfo?.key, 5);
    assert.equal(err.senseInfo?.asc, 0x21);
    assert.match(err.describe(), /sense: 05\/21\/00/);
    await recorder.close();
  });

  it('retry once on a unit attention, then map it', async () => {
    const { recorder, drive, log } = await rig();
    drive.control.faults.unitAttention(0x28, 0x00);
    const before = log.length;
    await recorder.testUnitReady();
    assert.deepEqual(
      log.slice(before).map((e) => e.senseCode?.senseKey),
      [6, undefined],
    );
    await drive.control.load('dvd+r');
    await recorder.testUnitReady(); // 06/28 once, then ready
    drive.control.faults.unitAttention(0x29, 0x00);
    await drive.control.eject();
    // 06/29, retried: the drive is empty now → 02/3A.
    assert.equal(
      (await rejectsWith(recorder.testUnitReady())).hr,
      HR.E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
    );
    await recorder.close();
  });

  it('decode disc, track, capacity, buffer and speed structures', async () => {
    const { recorder } = await rig('virtual:dvd+r?buffer=2m');
    const di = await recorder.discInformation();
    assert.equal(di.discStatus, 0, 'blank');
    const ti = await recorder.trackInformation(1, ReadTrackAddressType.TRACK);
    assert.equal(ti.nextWritableAddress, 0);
    const raw = await recorder.getDiscInformation();
    assert.equal(raw.length, ((raw[0]! << 8) | raw[1]!) + 2);
    const bc = await recorder.bufferCapacity();
    assert.equal(bc.blockDataReturned, false);
    if (!bc.blockDataReturned) assert.equal(bc.bufferLengthBytes, 2 * 1024 * 1024);
    const speeds = await recorder.writeSpeeds();
    assert.ok(speeds.length > 0 && speeds.every((s) => s.writeSpeedKBps > 0));
    assert.equal(await recorder.getCurrentProfile(), 0x1b);
    await recorder.close();
  });

  it('SEND DISC STRUCTURE: prepends the header; the drive keeps what was sent', async () => {
    const { recorder, log } = await rig('virtual:dvd-r');
    const dmi = new Uint8Array(2048).map((_, i) => (i * 7) & 0xff);
    await recorder.sendDvdStructure(0x04, dmi);
    const sds = log.filter((e) => e.opcode === 0xbf).at(-1)!;
    assert.equal(sds.cdb[7], 0x04, 'format code');
    assert.equal((sds.cdb[8]! << 8) | sds.cdb[9]!, 4 + dmi.length, 'parameter list length');
    assert.deepEqual(await recorder.readDvdStructure(0x04, 0, 0, 0), dmi);
    // DVD+R accepts no manufacturing information from the host: 5/24/00.
    const plus = await rig('virtual:dvd+r');
    assert.equal(
      (await rejectsWith(plus.recorder.sendDvdStructure(0x04, dmi))).hr,
      HR.E_INVALIDARG,
    );
    await plus.recorder.close();
    await recorder.close();
  });

  it('READ DISC STRUCTURE: media type 0, the format byte, header removed; errors mapped', async () => {
    const { recorder, log } = await rig();
    // Format 00h (physical format information) of a blank DVD+R: book type DVD+R (Ah), version 1.
    const pfi = await recorder.readDvdStructure(0x100, 0, 0, 0);
    assert.equal(pfi[0], 0xa1, 'book type / part version, with the 4-byte header removed');
    const rds = log.filter((e) => e.opcode === 0xad).at(-1)!;
    assert.equal(rds.cdb[1]! & 0x0f, 0, 'media type 0');
    assert.equal(rds.cdb[7], 0x00, 'format & 0xFF');
    // An unknown format: 5/24/00 → E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT (§7).
    const err = await rejectsWith(recorder.readDvdStructure(0x160, 0, 0, 0));
    assert.equal(err.hr, HR.E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT);
    assert.equal(err.command, 'READ DISC STRUCTURE');
    assert.equal(log.filter((e) => e.opcode === 0xad).at(-1)!.cdb[7], 0x60);
    assert.equal((await rejectsWith(recorder.readDvdStructure(0, 0, 0, 4))).hr, HR.E_INVALIDARG);
    assert.equal(
      (await rejectsWith(recorder.sendDvdStructure(0, new Uint8Array(0)))).hr,
      HR.E_INVALIDARG,
    );
    await recorder.close();
  });
});

describe('features and profiles (spec §4.6)', () => {
  it('getFeaturePage returns the descriptor without the feature header', async () => {
    const { recorder, log } = await rig('virtual:bd-r');
    const before = log.length;
    const rts = await recorder.getFeaturePage(0x0107, false);
    assert.equal((rts[0]! << 8) | rts[1]!, 0x0107);
    assert.equal(rts.length, 4 + rts[3]!);
    assert.equal(rts[4]! & 0x01, 1, 'SW');
    const gc = log.slice(before).filter((e) => e.opcode === 0x46);
    assert.equal(gc.length, 2, 'header first, then the whole reply');
    assert.equal((gc[0]!.cdb[7]! << 8) | gc[0]!.cdb[8]!, 8);
    assert.equal(gc[0]!.cdb[1]! & 3, 2, 'RT = 10b');
    await recorder.close();
  });

  it('NO_SUCH_FEATURE and FEATURE_IS_NOT_CURRENT', async () => {
    const { recorder } = await rig('virtual:dvd+r');
    assert.equal(
      (await rejectsWith(recorder.getFeaturePage(0x0ff0, false))).hr,
      HR.E_IMAPI_RECORDER_NO_SUCH_FEATURE,
    );
    const current = await recorder.getSupportedFeaturePages(true);
    const all = await recorder.getSupportedFeaturePages(false);
    const notCurrent = all.find((f) => !current.includes(f));
    assert.ok(notCurrent !== undefined);
    await recorder.getFeaturePage(notCurrent, false);
    assert.equal(
      (await rejectsWith(recorder.getFeaturePage(notCurrent, true))).hr,
      HR.E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT,
    );
    assert.ok(current.includes(0x0000) && current.includes(0x002b));
    await recorder.close();
  });

  it('getSupportedProfiles: all and current, from the Profile List', async () => {
    const { recorder } = await rig('virtual:cd-rw');
    const all = await recorder.getSupportedProfiles(false);
    assert.ok(all.includes(0x0a) && all.includes(0x1b) && all.includes(0x41));
    assert.deepEqual(await recorder.getSupportedProfiles(true), [0x0a]);
    await recorder.close();
  });
});

describe('mode pages (spec §4.6)', () => {
  it('getModePage: MODE SENSE(10) with DBD, header first; page bytes only', async () => {
    const { recorder, log } = await rig();
    const before = log.length;
    const page = await recorder.getModePage(0x2a, ModePageRequestType.CURRENT_VALUES);
    assert.equal(page[0]! & 0x3f, 0x2a);
    assert.equal(page.length, 2 + page[1]!);
    const ms = log.slice(before).filter((e) => e.opcode === 0x5a);
    assert.equal(ms.length, 2);
    assert.equal(ms[0]!.cdb[1], 0x08, 'DBD');
    assert.equal(ms[0]!.cdb[2], 0x2a);
    const changeable = await recorder.getModePage(0x05, ModePageRequestType.CHANGEABLE_VALUES);
    assert.equal(changeable[0]! & 0x3f, 0x05);
    assert.equal(log.filter((e) => e.opcode === 0x5a).at(-1)!.cdb[2], 0x45, 'PC = 01b');
    assert.equal(
      (await rejectsWith(recorder.getModePage(0x3c, 0))).hr,
      HR.E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE,
    );
    await recorder.close();
  });

  it('setModePage builds the header, clears PS and checks its arguments', async () => {
    const { recorder, log, drive } = await rig('virtual:cd-r');
    const page = await recorder.getModePage(0x05, 0);
    const changed = Uint8Array.from(page);
    changed[0] = changed[0]! | 0x80; // PS as MODE SENSE may report it
    changed[2] = (changed[2]! & 0xf0) | 0x02; // Write Type: SAO
    await recorder.setModePage(ModePageRequestType.CURRENT_VALUES, changed);
    const sel = log.filter((e) => e.opcode === 0x55).at(-1)!;
    assert.equal(sel.cdb[1], 0x10, 'PF = 1, SP = 0');
    assert.equal((sel.cdb[7]! << 8) | sel.cdb[8]!, 8 + page.length);
    assert.equal(drive.control.media.writeParameters.writeType, 2);
    const after = await recorder.getModePage(0x05, 0);
    assert.equal(after[2]! & 0x0f, 2);
    assert.equal(
      (await rejectsWith(recorder.setModePage(ModePageRequestType.CHANGEABLE_VALUES, page))).hr,
      HR.E_INVALIDARG,
    );
    assert.equal(
      (await rejectsWith(recorder.setModePage(0, page.subarray(0, page.length - 1)))).hr,
      HR.E_INVALIDARG,
    );
    const bad = Uint8Array.from(page);
    bad[4] = 0x0f; // Data Block Type 15: reserved
    assert.equal(
      (await rejectsWith(recorder.setModePage(0, bad))).hr,
      HR.E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
    );
    await recorder.close();
  });

  it('getSupportedModePages walks page 3Fh', async () => {
    const { recorder } = await rig();
    const pages = await recorder.getSupportedModePages(ModePageRequestType.CURRENT_VALUES);
    assert.ok(pages.includes(0x05) && pages.includes(0x2a) && pages.includes(0x01));
    await recorder.close();
  });
});

describe('tray, exclusive access and MCN (spec §4.2)', () => {
  it('ejectMedia and closeTray send START STOP UNIT with LoEj', async () => {
    const { recorder, log, drive } = await rig();
    await recorder.ejectMedia();
    assert.deepEqual(log.at(-1)!.cdb, h('1B 00 00 00 02 00'));
    assert.equal(drive.control.media.trayOpen, true);
    await recorder.closeTray();
    assert.deepEqual(log.at(-1)!.cdb, h('1B 00 00 00 03 00'));
    assert.equal(drive.control.media.trayOpen, false);
    await recorder.close();
  });

  it('closeTray without a loading mechanism → E_NOTIMPL, nothing sent', async () => {
    // A slot-loading drive: Removable Medium reports Loading Mechanism Type 000b.
    const { recorder, log, drive } = await rig('virtual:dvd+r?loader=slot');
    assert.equal(recorder.deviceCanLoadMedia, false);
    const probe = log.filter((e) => e.opcode === 0x46 && e.cdb[2] === 0x00 && e.cdb[3] === 0x03);
    assert.ok(probe.length > 0, 'the recorder asked for the Removable Medium feature');
    const before = log.length;
    assert.equal((await rejectsWith(recorder.closeTray())).hr, HR.E_NOTIMPL);
    assert.equal(log.length, before, 'no START STOP UNIT was sent');
    // Ejecting still works: the disc leaves the slot.
    await recorder.ejectMedia();
    assert.deepEqual(log.at(-1)!.cdb, h('1B 00 00 00 02 00'));
    assert.equal(drive.control.media.trayOpen, true);
    assert.equal((await rejectsWith(recorder.closeTray())).hr, HR.E_NOTIMPL);
    assert.equal(log.length, before + 1);
    await recorder.close();
  });

  it('a tray drive reports it can load media', async () => {
    const { recorder } = await rig('virtual:dvd+r?loader=tray');
    assert.equal(recorder.deviceCanLoadMedia, true);
    await recorder.close();
  });

  it('exclusive access: client name check, reference count, owner', async () => {
    const { recorder } = await rig();
    for (const bad of ['', 'a'.repeat(64), 'bad/name', 'naïve']) {
      assert.equal(
        (await rejectsWith(recorder.acquireExclusiveAccess(false, bad))).hr,
        HR.E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID,
      );
    }
    assert.equal(
      (await rejectsWith(recorder.acquireExclusiveAccess('yes' as unknown as boolean, 'x'))).hr,
      HR.E_INVALIDARG,
    );
    assert.equal(await recorder.getExclusiveAccessOwner(), '');
    await recorder.acquireExclusiveAccess(false, 'discwright test');
    await recorder.acquireExclusiveAccess(true, 'discwright test');
    assert.equal(recorder.exclusiveAccessCount, 2);
    assert.equal(await recorder.getExclusiveAccessOwner(), 'discwright test');
    assert.equal(
      (await rejectsWith(recorder.acquireExclusiveAccess(false, 'other.client'))).hr,
      HR.E_ACCESSDENIED,
    );
    await recorder.releaseExclusiveAccess();
    assert.equal(await recorder.getExclusiveAccessOwner(), 'discwright test');
    await recorder.releaseExclusiveAccess();
    assert.equal(await recorder.getExclusiveAccessOwner(), '');
    await recorder.releaseExclusiveAccess(); // surplus: no-op
    assert.equal(recorder.exclusiveAccessCount, 0);
    await recorder.acquireExclusiveAccess(false, 'other.client');
    assert.equal(await recorder.getExclusiveAccessOwner(), 'other.client');
    await recorder.close();
  });

  it("uses the transport's exclusive-access and MCN hooks at the first and last reference", async () => {
    const calls: string[] = [];
    const recorder = await DiscRecorder.fromTransport(await hookedDrive(calls));
    assert.equal(await recorder.getExclusiveAccessOwner(), 'another.process', 'asks the OS');
    await recorder.acquireExclusiveAccess(true, 'burner');
    await recorder.acquireExclusiveAccess(true, 'burner');
    await recorder.disableMcn();
    await recorder.disableMcn();
    await recorder.releaseExclusiveAccess();
    await recorder.enableMcn();
    assert.deepEqual(calls, ['acquire true burner', 'mcn false']);
    await recorder.close(); // releases what is still held
    assert.deepEqual(calls, ['acquire true burner', 'mcn false', 'release', 'mcn true']);
  });

  it('MCN suppression is reference-counted', async () => {
    const { recorder } = await rig();
    await recorder.disableMcn();
    await recorder.disableMcn();
    assert.equal(recorder.mcnDisabledCount, 2);
    await recorder.enableMcn();
    await recorder.enableMcn();
    await recorder.enableMcn();
    assert.equal(recorder.mcnDisabledCount, 0);
    await recorder.close();
  });
});
