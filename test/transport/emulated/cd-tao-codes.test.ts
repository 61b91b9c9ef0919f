// The MCN and ISRC of a Track-at-Once CD on the virtual CD-R, at the CDB level: page 05h's Media
// Catalog Number (byte 16 MCVAL, 17..29 N1..N13) and ISRC (byte 32 TCVAL, 33..44 I1..I12) fields,
// set here byte by byte, become Q mode 2 and mode 3 frames of the track written under them — one
// of each in every 100 sectors (ECMA-130), at absolute frames 50 and 25 mod 100, never on the
// track's first sector nor in its pause — and READ SUB-CHANNEL formats 02h/03h return them; they
// survive the sidecar; a valid bit over a malformed code is refused with 05/26/00.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig, type Rig } from '../../helpers/recorder.js';
import { decodeSense } from '../../../src/scsi/sense.js';
import { ScsiStatus, type ScsiCommand } from '../../../src/scsi/command.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { closeTrackSession } from '../../../src/scsi/mmc/close-track-session.js';
import { readCd } from '../../../src/scsi/mmc/read-cd.js';
import { readSubChannel } from '../../../src/scsi/mmc/read-sub-channel.js';
import { modeSelect10 } from '../../../src/scsi/spc/mode-select-10.js';
import { openVirtualDrive } from '../../../src/transport/emulated/index.js';
import { decodeQ, qCrc } from '../../../src/scsi/cd/index.js';

const MCN = '4006381333931';
const ISRC = 'DEA123456789';

async function run(r: Rig, c: ScsiCommand) {
  const res = await r.drive.execute(c);
  return { ...res, sense: res.status === ScsiStatus.GOOD ? undefined : decodeSense(res.sense) };
}

async function ok(r: Rig, c: ScsiCommand): Promise<Uint8Array> {
  const res = await run(r, c);
  if (res.sense !== undefined) assert.fail(`${c.name}: ${JSON.stringify(res.sense)}`);
  return res.dataIn;
}

const ascii = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

/** MODE SELECT(10) of page 05h: TAO audio, with the MCN/ISRC fields set byte by byte. */
function taoPage(mcn: string | undefined, isrc: string | undefined): ScsiCommand {
  const list = new Uint8Array(8 + 52); // mode parameter header (10) + page of length 32h
  const p = list.subarray(8);
  p[0] = 0x05;
  p[1] = 0x32;
  p[2] = 0x40 | 0x01; // BUFE, Write Type TAO
  p[3] = 0x00; // Multi-session 00b, Track Mode 0 (audio)
  p[4] = 0x00; // Data Block Type 0: raw 2352
  p[15] = 150; // Audio Pause Length
  if (mcn !== undefined) {
    p[16] = 0x80; // MCVAL
    p.set(ascii(mcn), 17);
  }
  if (isrc !== undefined) {
    p[32] = 0x80; // TCVAL
    p.set(ascii(isrc), 33);
  }
  return modeSelect10({ pf: true, sp: false, data: list });
}

async function writeTrack(r: Rig, start: number, sectors: number, track: number): Promise<void> {
  for (let lba = start; lba < start + sectors; lba += 25) {
    await ok(r, write10({ lba, transferLength: 25, data: new Uint8Array(25 * 2352).fill(track) }));
  }
  await ok(r, closeTrackSession({ closeFunction: 1, logicalTrackNumber: track }));
}

/** The 12 Q bytes READ CD returns (sub-channel 010b: formatted Q) for `count` sectors. */
async function qFrames(r: Rig, lba: number, count: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let at = lba; at < lba + count; at += 20) {
    const n = Math.min(20, lba + count - at);
    const data = await ok(
      r,
      readCd({
        lba: at,
        transferLength: n,
        expectedSectorType: 1,
        userData: true,
        subChannelSelection: 2,
        bytesPerSector: 2352 + 16,
      }),
    );
    for (let i = 0; i < n; i++) {
      out.push(data.subarray(i * 2368 + 2352, i * 2368 + 2352 + 12));
    }
  }
  return out;
}

describe('virtual CD-R: MCN and ISRC of Track-at-Once tracks', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-tao-codes-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes them into Q mode 2/3 once per 100 sectors and READ SUB-CHANNEL returns them', async () => {
    const img = join(dir, 'codes.img');
    const r: Rig = { ...(await rig(`virtual:cd-r?image=${img}`)) };
    await ok(r, taoPage(MCN, ISRC));
    await writeTrack(r, 0, 400, 1);
    await ok(r, taoPage(MCN, undefined)); // track 2: TCVAL clear
    const t2 = 400 + 152;
    await writeTrack(r, t2, 300, 2);
    await ok(r, closeTrackSession({ closeFunction: 2 }));
    await r.recorder.close();

    // Reopened from the image: the codes come from the sidecar.
    const drive = await openVirtualDrive(`virtual:cd-r?image=${img}`, { clock: r.clock });
    const again: Rig = { ...r, drive };
    const frames = await qFrames(again, 0, 400);
    for (const [i, q] of frames.entries()) {
      const crc = qCrc(q);
      assert.equal((q[10]! << 8) | q[11]!, crc, `Q CRC at ${i}`);
      const adr = q[0]! & 0x0f;
      const aframe = (i + 150) % 100;
      // LBA 0 (absolute frame 150) keeps its index mark: LBA 1 takes its MCN frame.
      const expected = i === 0 ? 1 : aframe === 50 || i === 1 ? 2 : aframe === 25 ? 3 : 1;
      assert.equal(adr, expected, `ADR at LBA ${i}`);
      if (adr === 2) {
        // N1..N13 as BCD nibbles in bytes 1..7, then zero, then AFRAME.
        const digits = [...q.subarray(1, 8)].flatMap((b) => [b >> 4, b & 0x0f]).slice(0, 13);
        assert.equal(digits.join(''), MCN);
        assert.equal(q[7]! & 0x0f, 0);
        assert.equal(q[8], 0);
        const af = (i + 150) % 75;
        assert.equal(q[9], ((af / 10) | 0) * 16 + (af % 10), 'AFRAME in BCD');
      }
      if (adr === 3) assert.equal(decodeQ(q).isrc, ISRC);
    }
    // Every 100 successive sectors of the track hold a mode 2 and a mode 3 frame.
    for (let w = 0; w + 100 <= 400; w++) {
      const adrs = frames.slice(w, w + 100).map((q) => q[0]! & 0x0f);
      assert.ok(adrs.includes(2) && adrs.includes(3), `sectors ${w}..${w + 99}`);
    }
    // Track 2: MCN frames, no ISRC; its pause (index 0) carries neither.
    const pause2 = await qFrames(again, t2 - 150, 150);
    assert.ok(pause2.every((q) => (q[0]! & 0x0f) === 1 && q[2] === 0x00));
    const track2 = await qFrames(again, t2, 300);
    assert.ok(track2.some((q) => (q[0]! & 0x0f) === 2));
    assert.ok(!track2.some((q) => (q[0]! & 0x0f) === 3));

    const mcn = await ok(again, readSubChannel({ subQ: true, format: 2, allocationLength: 24 }));
    assert.equal(mcn[4], 0x02);
    assert.equal(mcn[8]! & 0x80, 0x80, 'MCVAL');
    assert.equal(String.fromCharCode(...mcn.subarray(9, 22)), MCN);
    const isrc1 = await ok(
      again,
      readSubChannel({ subQ: true, format: 3, trackNumber: 1, allocationLength: 24 }),
    );
    assert.equal(isrc1[6], 1, 'track number');
    assert.equal(isrc1[8]! & 0x80, 0x80, 'TCVAL');
    assert.equal(String.fromCharCode(...isrc1.subarray(9, 21)), ISRC);
    const isrc2 = await ok(
      again,
      readSubChannel({ subQ: true, format: 3, trackNumber: 2, allocationLength: 24 }),
    );
    assert.equal(isrc2[8]! & 0x80, 0, 'no ISRC on track 2');
    // The current position stays a mode 1 position though the last sector read was mode 2/3.
    assert.equal((await qFrames(again, 100, 1))[0]![0]! & 0x0f, 2, 'LBA 100 holds the MCN');
    const pos = await ok(again, readSubChannel({ subQ: true, format: 1, allocationLength: 16 }));
    assert.equal(pos[5]! >> 4, 1, 'ADR 1 (byte 5 bits 7..4)');
    assert.equal(pos[6], 1, 'track 1');
    assert.deepEqual([...pos.subarray(8, 12)], [0, 0, 0, 100], 'absolute address: LBA 100');
    await drive.close();

    // A sidecar whose ISRC is not one is refused, naming the field.
    const sidecar = JSON.parse(await readFile(`${img}.json`, 'utf8')) as {
      disc: { tracks: { isrc?: string }[] };
    };
    sidecar.disc.tracks[0]!.isrc = 'US-RC1-76-07839';
    await writeFile(`${img}.json`, JSON.stringify(sidecar));
    await assert.rejects(openVirtualDrive(`virtual:cd-r?image=${img}`), (e: Error) => {
      assert.match(e.message, /disc\.tracks\[0\]\.isrc is "US-RC1-76-07839", not a valid isrc/);
      return true;
    });
  });

  it('refuses MCVAL or TCVAL over a malformed code (05/26/00) and keeps the page', async () => {
    const r = await rig('virtual:cd-r');
    for (const c of [taoPage('12345678901X3', undefined), taoPage(undefined, 'DE-A12345678')]) {
      const res = await run(r, c);
      assert.equal(res.status, ScsiStatus.CHECK_CONDITION);
      assert.deepEqual([res.sense!.senseKey, res.sense!.asc, res.sense!.ascq], [0x5, 0x26, 0x00]);
    }
    const page = await r.recorder.getModePage(0x05, 0);
    assert.equal(page[16]! & 0x80, 0);
    assert.equal(page[32]! & 0x80, 0);
  });
});
