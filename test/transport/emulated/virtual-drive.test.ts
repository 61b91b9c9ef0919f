// The virtual drive beyond the transport contract: its address, control surface (faults, log,
// media inspection, eject/load), image files and sidecars, limits, timeouts and aborts on the
// drive's clock, and the full-buffer policy.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openVirtualDrive,
  parseVirtualAddress,
  MEDIA,
  MEDIA_IDS,
  VirtualClock,
} from '../../../src/testing/index.js';
import { DwError, HR } from '../../../src/errors.js';
import { ScsiStatus } from '../../../src/scsi/command.js';
import { decodeSense } from '../../../src/scsi/sense.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { read10 } from '../../../src/scsi/block/read-10.js';
import { testUnitReady } from '../../../src/scsi/spc/test-unit-ready.js';
import { inquiry, decodeInquiryData } from '../../../src/scsi/spc/inquiry.js';
import { synchronizeCache10 } from '../../../src/scsi/block/synchronize-cache-10.js';
import { closeTrackSession } from '../../../src/scsi/mmc/close-track-session.js';
import { setCdSpeed } from '../../../src/scsi/mmc/set-cd-speed.js';
import {
  getConfiguration,
  decodeGetConfigurationData,
} from '../../../src/scsi/mmc/get-configuration.js';
import { MemoryStore } from '../../../src/transport/emulated/image/memory-store.js';
import { setStreaming } from '../../../src/scsi/mmc/set-streaming.js';
import {
  getNominalPerformance,
  decodePerformanceData,
} from '../../../src/scsi/mmc/get-performance.js';
import { modeSense10, decodeModeSense10Data } from '../../../src/scsi/spc/mode-sense-10.js';
import { decodeCapabilitiesAndMechanicalStatusPage } from '../../../src/scsi/mmc/mode-pages/capabilities-and-mechanical-status.js';

const dir = mkdtempSync(join(tmpdir(), 'discwright-vd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const block = (fill: number, n = 1) => new Uint8Array(2048 * n).fill(fill);
const isDw = (hr: number) => (e: unknown) => e instanceof DwError && e.hr === hr;

describe('virtual drive address', () => {
  it('parses media and options', () => {
    const o = parseVirtualAddress(
      'virtual:dvd+r?image=disc.img&speed=16x&buffer=2M&maxTransfer=128k&full=block&bufe=off&capacity=5000&log=5',
    );
    assert.equal(o.media, 'dvd+r');
    assert.equal(o.image, 'disc.img');
    assert.equal(o.speedX, 16);
    assert.equal(o.bufferBytes, 2 * 1024 * 1024);
    assert.equal(o.maxTransferBytes, 128 * 1024);
    assert.equal(o.onFullBuffer, 'block');
    assert.equal(o.bufe, false);
    assert.equal(o.capacityBlocks, 5000);
    assert.equal(o.logLimit, 5);
    assert.equal(parseVirtualAddress('virtual:bd-re').speedX, undefined);
    assert.equal(parseVirtualAddress('virtual:none').media, 'none');
  });

  it('rejects unknown media, unknown keys and bad values with E_INVALIDARG', () => {
    for (const bad of [
      'virtual:dvd+x',
      'virtual:dvd+r?colour=red',
      'virtual:dvd+r?speed=fast',
      'virtual:dvd+r?buffer=1',
      'virtual:dvd+r?speed=4x&speed=8x',
      'iscsi://host/iqn',
    ]) {
      assert.throws(() => parseVirtualAddress(bad), isDw(HR.E_INVALIDARG), bad);
    }
  });

  it('knows the standard capacities', () => {
    assert.equal(MEDIA['cd-r'].capacity, 359849);
    assert.equal(MEDIA['dvd+r'].capacity, 2295104);
    assert.equal(MEDIA['dvd-r'].capacity, 2297888);
    assert.equal(MEDIA['dvd+r-dl'].capacity, 4173824);
    assert.equal(MEDIA['bd-r'].capacity, 12219392);
    assert.equal(MEDIA_IDS.length, 10);
  });
});

describe('virtual drive control surface', () => {
  it('identifies as DISCWRT VIRTUAL <MEDIA>', async () => {
    const d = await openVirtualDrive('virtual:dvd+r-dl');
    const id = decodeInquiryData((await d.execute(inquiry())).dataIn);
    assert.equal(id.vendorIdentification, 'DISCWRT');
    assert.equal(id.productIdentification, 'VIRTUAL DVD+R DL');
    assert.deepEqual(d.limits(), {
      maxPageAlignedTransferBytes: 65536,
      maxNonPageAlignedTransferBytes: 65536,
      alignment: 512,
      busType: 'virtual',
    });
    await d.close();
  });

  it('logs every command with its decoded CDB, status and sense', async () => {
    const clock = new VirtualClock({ auto: false, start: 100 });
    const d = await openVirtualDrive('virtual:dvd+r', { clock });
    const first = write10({ lba: 0, transferLength: 1, data: block(1) });
    await d.execute(first);
    first.cdb.fill(0xff); // the caller reuses its CDB: the log keeps (and decodes) what was sent
    await d.execute(write10({ lba: 5, transferLength: 1, data: block(1) }));
    const [a, b] = d.control.log;
    assert.equal(a?.name, 'WRITE(10)');
    assert.equal(a?.status, ScsiStatus.GOOD);
    assert.deepEqual(a?.decoded, {
      lba: 0,
      transferLength: 1,
      dpo: false,
      fua: false,
      groupNumber: 0,
    });
    assert.equal(a?.cdb[0], 0x2a);
    assert.equal(a?.dataOutBytes, 2048);
    assert.equal(a?.start, 100);
    assert.equal(b?.status, ScsiStatus.CHECK_CONDITION);
    assert.deepEqual(b?.senseCode, { senseKey: 5, asc: 0x21, ascq: 2, information: 5 });
    assert.equal(decodeSense(b.sense).asc, 0x21);
    assert.equal(b?.seq, 2);
    await d.close();
  });

  it('keeps at most `log` entries', async () => {
    const d = await openVirtualDrive('virtual:cd-r?log=3');
    for (let i = 0; i < 5; i++) await d.execute(testUnitReady());
    assert.deepEqual(
      d.control.log.map((e) => e.seq),
      [3, 4, 5],
    );
    await d.close();
  });

  it('inspects the media: tracks, NWA, blocks as written', async () => {
    const d = await openVirtualDrive('virtual:dvd-r');
    const m = d.control.media;
    assert.equal(m.profile, 0x11);
    assert.equal(m.discStatus, 'blank');
    assert.equal(m.nwa, 0);
    await d.execute(write10({ lba: 0, transferLength: 2, data: block(7, 2) }));
    assert.equal(m.nwa, 2);
    assert.equal(m.discStatus, 'incomplete');
    assert.deepEqual(await m.readBlocks(0, 2), block(7, 2));
    assert.equal(m.tracks[0]?.nwa, 2);
    await d.close();
  });

  it('eject and load: the next command sees 06/28/00 and the new profile', async () => {
    const d = await openVirtualDrive('virtual:dvd+r');
    await d.control.eject();
    const r = await d.execute(testUnitReady());
    assert.deepEqual([decodeSense(r.sense).senseKey, decodeSense(r.sense).asc], [2, 0x3a]);
    await d.control.load('bd-re', { formatted: true });
    const ua = await d.execute(testUnitReady());
    assert.equal(decodeSense(ua.sense).asc, 0x28);
    const g = decodeGetConfigurationData(
      (await d.execute(getConfiguration({ allocationLength: 8 }))).dataIn,
    );
    assert.equal(g.currentProfile, 0x43);
    await d.execute(write10({ lba: 100, transferLength: 1, data: block(3) }));
    assert.deepEqual(await d.control.media.readBlocks(100, 1), block(3));
    await d.close();
  });

  it('memory discs allocate nothing up front', () => {
    const s = new MemoryStore();
    assert.equal(s.allocatedBytes, 0);
  });

  it('rejects transfers beyond maxTransfer as an I/O failure', async () => {
    const d = await openVirtualDrive('virtual:dvd+r?maxTransfer=32k');
    assert.equal(d.limits().maxPageAlignedTransferBytes, 32768);
    await assert.rejects(
      d.execute(write10({ lba: 0, transferLength: 32, data: block(0, 32) })),
      isDw(HR.ERROR_IO_DEVICE),
    );
    await d.close();
  });

  it('latency runs on the clock; a command past its timeout rejects 0xC0AA020D', async () => {
    const clock = new VirtualClock();
    const d = await openVirtualDrive('virtual:dvd+r', { clock });
    d.control.faults.latency(500);
    assert.equal((await d.execute(testUnitReady())).status, ScsiStatus.GOOD);
    assert.equal(clock.now(), 500);
    await assert.rejects(
      d.execute(testUnitReady(), { timeoutMs: 100 }),
      isDw(HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT),
    );
    assert.equal(clock.now(), 600);
    // After a rejection the drive takes the next command.
    d.control.faults.clear();
    assert.equal((await d.execute(testUnitReady())).status, ScsiStatus.GOOD);
    await d.close();
  });

  it('an abort during a wait rejects with E_IMAPI_REQUEST_CANCELLED', async () => {
    const clock = new VirtualClock({ auto: false });
    const d = await openVirtualDrive('virtual:dvd+r', { clock });
    d.control.faults.latency(1000);
    const ac = new AbortController();
    const p = d.execute(testUnitReady(), { signal: ac.signal });
    ac.abort();
    await assert.rejects(p, isDw(HR.E_IMAPI_REQUEST_CANCELLED));
    await d.close();
  });

  it('full=block holds a WRITE until the buffer has room', async () => {
    const clock = new VirtualClock();
    const d = await openVirtualDrive('virtual:dvd+r?speed=1x&buffer=64k&full=block', { clock });
    assert.equal(
      (await d.execute(write10({ lba: 0, transferLength: 32, data: block(1, 32) }))).status,
      0,
    );
    assert.equal(clock.now(), 0);
    assert.equal(
      (await d.execute(write10({ lba: 32, transferLength: 16, data: block(2, 16) }))).status,
      0,
    );
    // 32 KiB had to drain at 1x DVD (1,385,000 bytes/s): about 23.7 ms.
    assert.ok(clock.now() > 23 && clock.now() < 24, String(clock.now()));
    assert.equal(d.control.media.underruns, 0);
    await d.close();
  });

  it('a full buffer takes small WRITEs again once an eighth of it has drained, then without waits', async () => {
    const clock = new VirtualClock();
    const d = await openVirtualDrive('virtual:dvd+r?speed=1x&buffer=64k&full=block', { clock });
    await d.execute(write10({ lba: 0, transferLength: 32, data: block(1, 32) }));
    assert.equal(clock.now(), 0);
    // One 2 KiB block does not fit: it waits until 8 KiB (an eighth) have drained, about 5.9 ms
    // at 1x DVD (1,385,000 bytes/s), not only its own 2 KiB (1.5 ms).
    await d.execute(write10({ lba: 32, transferLength: 1, data: block(2, 1) }));
    const resumed = clock.now();
    assert.ok(resumed > 5.8 && resumed < 6, String(resumed));
    // The next three blocks fit in the room that made: no wait.
    for (let lba = 33; lba < 36; lba++) {
      await d.execute(write10({ lba, transferLength: 1, data: block(3, 1) }));
    }
    assert.equal(clock.now(), resumed);
    assert.equal(d.control.media.underruns, 0);
    await d.close();
  });

  it('SET STREAMING and SET CD SPEED are reflected by GET PERFORMANCE and page 2Ah', async () => {
    const d = await openVirtualDrive('virtual:dvd+r');
    const writeKBps = async () => {
      const r = await d.execute(
        getNominalPerformance({ write: true, maximumNumberOfDescriptors: 1 }),
      );
      return decodePerformanceData(r.dataIn).descriptors[0]?.startPerformanceKBps;
    };
    const page2A = async () => {
      const r = await d.execute(modeSense10({ pageCode: 0x2a, allocationLength: 255, dbd: true }));
      return decodeCapabilitiesAndMechanicalStatusPage(
        decodeModeSense10Data(r.dataIn).pages[0]!.bytes,
      );
    };
    // DVD+R 16x (1x = 1385 kB/s) until told otherwise.
    assert.equal(await writeKBps(), 22160);
    // 6000 kB per second lies between 4x (5540) and 8x (11080): the drive takes 4x.
    const streaming = setStreaming({
      startLba: 0,
      endLba: 2295103,
      readSizeKB: 22160,
      readTimeMs: 1000,
      writeSizeKB: 6000,
      writeTimeMs: 1000,
    });
    assert.equal((await d.execute(streaming)).status, ScsiStatus.GOOD);
    assert.equal(await writeKBps(), 5540);
    assert.equal((await page2A()).currentWriteSpeedSelectedKBps, 5540);
    await d.execute(setCdSpeed({ writeSpeedKBps: 11080 }));
    assert.equal(await writeKBps(), 11080);
    await d.close();
  });

  it('SET CD SPEED selects the nearest offered speed', async () => {
    const d = await openVirtualDrive('virtual:cd-r?speed=48x');
    assert.equal(d.control.media.writeSpeedX, 48);
    await d.execute(setCdSpeed({ writeSpeedKBps: 176 * 20 }));
    assert.equal(d.control.media.writeSpeedX, 16);
    await d.execute(setCdSpeed({}));
    assert.equal(d.control.media.writeSpeedX, 48);
    await d.close();
  });
});

describe('virtual drive image files', () => {
  it('keeps block LBA at LBA × 2048 in a sparse image and the layout in the sidecar', async () => {
    const image = join(dir, 'a.img');
    const d = await openVirtualDrive(`virtual:dvd+r?image=${image}`);
    assert.ok(existsSync(`${image}.json`), 'the sidecar exists from the start');
    await d.execute(write10({ lba: 0, transferLength: 3, data: block(0xa5, 3) }));
    await d.execute(synchronizeCache10());
    const bytes = readFileSync(image);
    assert.equal(bytes.length, 3 * 2048);
    assert.deepEqual(new Uint8Array(bytes), block(0xa5, 3));
    const sidecar = JSON.parse(readFileSync(`${image}.json`, 'utf8')) as {
      format: string;
      disc: { tracks: { nwa: number }[] };
    };
    assert.equal(sidecar.format, 'discwright-virtual-disc');
    assert.equal(sidecar.disc.tracks[0]?.nwa, 3);
    await d.execute(closeTrackSession({ closeFunction: 1, logicalTrackNumber: 1 }));
    await d.close();
    const again = await openVirtualDrive(`virtual:dvd+r?image=${image}`);
    assert.equal(again.control.media.tracks[0]?.closed, true);
    const r = await again.execute(read10({ lba: 0, transferLength: 3, blockSize: 2048 }));
    assert.deepEqual(r.dataIn, block(0xa5, 3));
    await again.close();
  });

  it('keeps negative-LBA (lead-in, pre-gap) blocks in the sidecar', async () => {
    const image = join(dir, 'cd.img');
    const d = await openVirtualDrive(`virtual:cd-r?image=${image}`);
    const { modeSelect10, encodeModeSelect10Data } =
      await import('../../../src/scsi/spc/mode-select-10.js');
    const { encodeWriteParametersPage } =
      await import('../../../src/scsi/mmc/mode-pages/write-parameters.js');
    const page = encodeWriteParametersPage({
      ...d.control.media.writeParameters,
      writeType: 2,
      dataBlockType: 0,
    });
    assert.equal(
      (await d.execute(modeSelect10({ pf: true, data: encodeModeSelect10Data({ pages: [page] }) })))
        .status,
      0,
    );
    const sector = new Uint8Array(2352).fill(9);
    assert.equal(
      (await d.execute(write10({ lba: -2, transferLength: 1, data: sector }))).status,
      0,
    );
    await d.close();
    const again = await openVirtualDrive(`virtual:cd-r?image=${image}`);
    assert.deepEqual(await again.control.media.readBlocks(-2, 1), sector);
    await again.close();
    assert.equal(statSync(image).size, 0, 'nothing at LBA >= 0 yet');
  });

  it('refuses a non-empty file without a sidecar, and a sidecar of other media', async () => {
    const image = join(dir, 'foreign.img');
    writeFileSync(image, 'somebody else’s data');
    await assert.rejects(openVirtualDrive(`virtual:dvd+r?image=${image}`), isDw(HR.E_INVALIDARG));
    const other = join(dir, 'b.img');
    await (await openVirtualDrive(`virtual:bd-r?image=${other}`)).close();
    await assert.rejects(openVirtualDrive(`virtual:dvd+r?image=${other}`), isDw(HR.E_INVALIDARG));
  });
});
