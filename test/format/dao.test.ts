// DVD-R/RW Disc-at-Once through the virtual drive at the CDB level: what DiscFormat2Data sends
// when a burn closes a blank DVD-R/RW (Write Parameters write type 2, RESERVE TRACK of the padded
// image, the data, SYNCHRONIZE CACHE and no CLOSE), and what the drive accepts and refuses under
// DAO (no write without the reservation, a blank disc only, nothing beyond the reservation, the
// disc closed only once the reservation is full). CDBs here are built byte by byte.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BurnVerificationLevel, Format2DataMediaState as F } from '../../src/device/types.js';
import { HR } from '../../src/errors.js';
import { DiscFormat2Erase } from '../../src/format/index.js';
import { isoImage } from '../helpers/iso.js';
import { rig, setCdWriteMode, writes, type Rig } from '../helpers/recorder.js';
import { closeFunctions, dataWriter } from '../helpers/format.js';

const RESERVE_TRACK = 0x53;
const MODE_SELECT_10 = 0x55;

function reserveCdb(blocks: number): Uint8Array {
  return Uint8Array.of(
    RESERVE_TRACK,
    0,
    0,
    0,
    0,
    blocks >>> 24,
    (blocks >>> 16) & 0xff,
    (blocks >>> 8) & 0xff,
    blocks & 0xff,
    0,
  );
}

function write10Cdb(lba: number, blocks: number): Uint8Array {
  return Uint8Array.of(
    0x2a,
    0,
    lba >>> 24,
    (lba >>> 16) & 0xff,
    (lba >>> 8) & 0xff,
    lba & 0xff,
    0,
    blocks >>> 8,
    blocks & 0xff,
    0,
  );
}

const SYNC_CACHE = Uint8Array.of(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0);

/** Sense key / ASC / ASCQ of a raw result (zeros on GOOD). */
function kcq(r: { sense: Uint8Array }): [number, number, number] {
  return [r.sense[2]! & 0x0f, r.sense[12]!, r.sense[13]!];
}

async function writeBlocks(r: Rig, lba: number, blocks: number) {
  return r.recorder.sendCommandSendDataToDevice(
    write10Cdb(lba, blocks),
    60,
    new Uint8Array(blocks * 2048).fill(0x5a),
  );
}

/** Write type the drive holds now (Write Parameters page byte 2 bits 3..0, current values). */
async function lastWriteType(r: Rig): Promise<number> {
  const page = await r.recorder.getModePage(0x05, 0);
  assert.ok(
    r.log.some((e) => e.opcode === MODE_SELECT_10),
    'the page was sent',
  );
  return page[2]! & 0x0f;
}

describe('DiscFormat2Data writes a closing DVD-R/RW burn Disc-at-Once', () => {
  for (const [media, flags] of [
    ['dvd-r', F.FINALIZED],
    ['dvd-rw', F.FINALIZED | F.ERASE_REQUIRED],
  ] as const) {
    it(`on a blank ${media}: DAO page, RESERVE TRACK of the padded image, no CLOSE`, async () => {
      const { bytes: iso } = await isoImage();
      const w = await dataWriter(`virtual:${media}`);
      w.data.forceMediaToBeClosed = true;
      w.data.burnVerificationLevel = BurnVerificationLevel.FULL;
      const result = await w.data.write(iso);
      assert.equal(result.dao, true);
      assert.equal(result.closing, 'finalize');
      assert.equal(await lastWriteType(w), 2, 'Write Parameters write type DAO');
      const reserves = w.log.filter((e) => e.opcode === RESERVE_TRACK);
      assert.equal(reserves.length, 1);
      const c = reserves[0]!.cdb;
      const reserved = ((c[5]! << 24) | (c[6]! << 16) | (c[7]! << 8) | c[8]!) >>> 0;
      const blocks = iso.length / 2048;
      assert.equal(reserved, Math.ceil(blocks / 16) * 16, 'the image padded to ECC blocks');
      const written = writes(w.log).reduce((n, e) => n + ((e.cdb[7]! << 8) | e.cdb[8]!), 0);
      assert.equal(written, reserved, 'the stream fills the reservation exactly');
      assert.deepEqual(closeFunctions(w.log), [], 'a DAO disc takes no CLOSE TRACK/SESSION');
      assert.equal(await w.data.getCurrentMediaStatus(), flags);
      const back = await w.drive.control.media.readBlocks(0, blocks);
      assert.ok(Buffer.from(back).equals(Buffer.from(iso)));
    });
  }

  it('stays incremental when the disc is left open, and on an appendable disc', async () => {
    const { bytes: iso } = await isoImage();
    const w = await dataWriter('virtual:dvd-r');
    const first = await w.data.write(iso);
    assert.equal(first.dao, false);
    assert.equal(await lastWriteType(w), 0);
    w.data.forceMediaToBeClosed = true;
    const second = await w.data.write(iso);
    assert.equal(second.dao, false, 'DAO writes blank discs only');
    assert.deepEqual(closeFunctions(w.log), [1, 2, 1, 2]);
    assert.equal(w.log.filter((e) => e.opcode === RESERVE_TRACK).length, 0);
    assert.equal(await w.data.getCurrentMediaStatus(), F.FINALIZED);
  });

  it('a minimally blanked DVD-RW: refused unless closing, then written Disc-at-Once', async () => {
    const { bytes: iso } = await isoImage();
    const w = await dataWriter('virtual:dvd-rw');
    w.data.forceMediaToBeClosed = true;
    await w.data.write(iso);
    const erase = new DiscFormat2Erase({ clock: w.clock });
    await erase.setRecorder(w.recorder);
    erase.clientName = 'discwright test';
    await erase.eraseMedia(); // minimal: the old lead-in stays, only DAO records
    w.data.forceMediaToBeClosed = false;
    const before = writes(w.log).length;
    await assert.rejects(w.data.write(iso), { code: 'E_IMAPI_DF2DATA_INVALID_MEDIA_STATE' });
    assert.equal(writes(w.log).length, before, 'nothing written');
    w.data.forceMediaToBeClosed = true;
    const r = await w.data.write(iso);
    assert.equal(r.dao, true);
    assert.equal(await w.data.getCurrentMediaStatus(), F.FINALIZED | F.ERASE_REQUIRED);
  });

  it('keeps test writes incremental (nothing reserved for a simulation)', async () => {
    const { bytes: iso } = await isoImage();
    const w = await dataWriter('virtual:dvd-r');
    w.data.forceMediaToBeClosed = true;
    w.data.testWrite = true;
    const r = await w.data.write(iso);
    assert.equal(r.dao, false);
    assert.equal(w.log.filter((e) => e.opcode === RESERVE_TRACK).length, 0);
    assert.equal(await w.data.getCurrentMediaStatus(), F.BLANK);
  });
});

describe('the virtual drive under DVD-R DAO', () => {
  it('refuses a DAO write without a reservation (05/2C/00)', async () => {
    const r = await rig('virtual:dvd-r');
    await setCdWriteMode(r.recorder, 2, 8);
    assert.deepEqual(kcq(await writeBlocks(r, 0, 16)), [5, 0x2c, 0]);
  });

  it('refuses a DAO reservation on a disc that is not blank (05/2C/00)', async () => {
    const r = await rig('virtual:dvd-r');
    await setCdWriteMode(r.recorder, 2, 8);
    assert.equal((await r.recorder.sendCommandNoData(reserveCdb(32), 60)).hr, HR.S_OK);
    assert.deepEqual(kcq(await r.recorder.sendCommandNoData(reserveCdb(32), 60)), [5, 0x2c, 0]);
  });

  it('refuses writes beyond the reservation and closes the disc only once it is full', async () => {
    const r = await rig('virtual:dvd-r');
    await setCdWriteMode(r.recorder, 2, 8);
    assert.equal((await r.recorder.sendCommandNoData(reserveCdb(40), 60)).hr, HR.S_OK);
    const t = r.drive.control.media.tracks[0]!;
    assert.equal(t.size, 48, 'reserved in whole ECC blocks');
    assert.equal((await writeBlocks(r, 0, 32)).hr, HR.S_OK);
    assert.equal((await r.recorder.sendCommandNoData(SYNC_CACHE, 60)).hr, HR.S_OK);
    assert.equal(r.drive.control.media.discStatus, 'incomplete', 'a partial DAO track stays open');
    const beyond = await writeBlocks(r, 32, 32);
    assert.deepEqual(kcq(beyond), [5, 0x21, 0x02]);
    assert.equal((await writeBlocks(r, 32, 16)).hr, HR.S_OK);
    assert.equal((await r.recorder.sendCommandNoData(SYNC_CACHE, 60)).hr, HR.S_OK);
    assert.equal(r.drive.control.media.discStatus, 'complete', 'the flush wrote the lead-out');
    assert.deepEqual(kcq(await writeBlocks(r, 48, 16)), [5, 0x30, 0x05]);
  });
});
