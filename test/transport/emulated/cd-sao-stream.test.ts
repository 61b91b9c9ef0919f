// The Session-at-Once stream after SEND CUE SHEET goes through the virtual drive's buffer like
// any WRITE: on a paced CD-R a pause between WRITEs longer than the buffer holds is an underrun
// (03/0C/09 and a damaged session with BUFE off, a link with BUFE on), an injected write fault
// fails the WRITE and records none of it, and Test Write records nothing at all. The lead-in's
// TOC: READ TOC format 2 lists what the Q of the recorded program area says (checked against
// the Q READ CD returns for each track's first sector).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MIXED_MODE_CUE, rig, sendCueSheet, type Rig } from '../../helpers/recorder.js';
import { cat } from '../../helpers/bytes.js';
import { decodeSense } from '../../../src/scsi/sense.js';
import { ScsiStatus, type ScsiCommand } from '../../../src/scsi/command.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { synchronizeCache10 } from '../../../src/scsi/block/synchronize-cache-10.js';
import { readCd } from '../../../src/scsi/mmc/read-cd.js';
import { decodeRawToc, readTocPmaAtip } from '../../../src/scsi/mmc/read-toc-pma-atip.js';
import {
  decodeWriteParametersPage,
  encodeWriteParametersPage,
} from '../../../src/scsi/mmc/mode-pages/write-parameters.js';
import { DiscStatus, LastSessionState } from '../../../src/scsi/mmc/read-disc-information.js';

// The cue sheet: track 1 Mode 1 (pregap −150, index 1 at 0), track 2 audio (pause at 300, index 1
// at 450), lead-out at 750.
const cueCommand = () => sendCueSheet(MIXED_MODE_CUE);

async function status(r: Rig, c: ScsiCommand): Promise<number[]> {
  const res = await r.drive.execute(c);
  if (res.status === ScsiStatus.GOOD) return [0];
  const d = decodeSense(res.sense);
  return [d.senseKey, d.asc, d.ascq];
}

async function sao(r: Rig, o: { testWrite?: boolean; bufe?: boolean } = {}): Promise<void> {
  const page = decodeWriteParametersPage(await r.recorder.getModePage(0x05, 0));
  await r.recorder.setModePage(
    0,
    encodeWriteParametersPage({
      ...page,
      writeType: 2,
      testWrite: o.testWrite ?? false,
      bufe: o.bufe ?? page.bufe,
    }),
  );
  assert.deepEqual(await status(r, cueCommand()), [0]);
}

const sector = (lba: number) => new Uint8Array(lba < 300 ? 2048 : 2352).fill(lba & 0xff);
const chunk = (lba: number, n = 15) =>
  write10({
    lba,
    transferLength: n,
    data: cat(...Array.from({ length: n }, (_, i) => sector(lba + i))),
  });

async function sendAll(r: Rig, from = -150): Promise<void> {
  for (let lba = from; lba < 750; lba += 15) {
    if (lba >= 300 && lba < 450) continue;
    assert.deepEqual(await status(r, chunk(lba)), [0], `LBA ${lba}`);
  }
}

describe('virtual CD-R: the SAO stream through the drive buffer', () => {
  it('BUFE off: an underrun fails the WRITE with 03/0C/09 and damages the session', async () => {
    const r = await rig('virtual:cd-r?speed=4x&buffer=64k&bufe=off');
    await sao(r, { bufe: false });
    assert.deepEqual(await status(r, chunk(-150)), [0]);
    assert.deepEqual(await status(r, chunk(-135)), [0]);
    // Longer than 64 KiB takes to drain at 4x (about 0.1 s): the buffer runs dry.
    r.clock.advance(2000);
    assert.deepEqual(await status(r, chunk(-120)), [3, 0x0c, 0x09]);
    assert.equal(r.drive.control.media.lossesOfStreaming, 1);
    const d = await r.recorder.discInformation();
    assert.equal(d.stateOfLastSession, LastSessionState.DAMAGED);
    // The damaged session takes no more of the stream.
    assert.deepEqual(await status(r, chunk(-120)), [5, 0x21, 0x02]);
  });

  it('BUFE on: the drive links over the underrun and the stream goes on', async () => {
    const r = await rig('virtual:cd-r?speed=4x&buffer=64k&bufe=on');
    await sao(r, { bufe: true });
    assert.deepEqual(await status(r, chunk(-150)), [0]);
    r.clock.advance(2000);
    await sendAll(r, -135);
    assert.deepEqual(await status(r, synchronizeCache10()), [0]);
    assert.equal(r.drive.control.media.links, 1);
    const d = await r.recorder.discInformation();
    assert.equal(d.discStatus, DiscStatus.COMPLETE);
  });

  it('an injected write fault fails the WRITE and records none of it', async () => {
    const r = await rig('virtual:cd-r');
    await sao(r);
    r.drive.control.faults.failAt(10, { senseKey: 3, asc: 0x0c, ascq: 0 }, { times: 1 });
    for (let lba = -150; lba < 0; lba += 15) assert.deepEqual(await status(r, chunk(lba)), [0]);
    assert.deepEqual(await status(r, chunk(0)), [3, 0x0c, 0]);
    // Nothing of the failed WRITE was taken: the stream still expects LBA 0.
    assert.deepEqual(await status(r, chunk(15)), [5, 0x21, 0x02]);
    await sendAll(r, 0);
    assert.deepEqual(await status(r, synchronizeCache10()), [0]);
    const s = await r.drive.execute(
      readCd({ lba: 10, transferLength: 1, userData: true, bytesPerSector: 2048 }),
    );
    assert.deepEqual(s.dataIn, sector(10));
  });

  it('Test Write with a cue sheet checks the stream and records nothing', async () => {
    const r = await rig('virtual:cd-r');
    await sao(r, { testWrite: true });
    // The address rules still apply.
    assert.deepEqual(await status(r, chunk(0)), [5, 0x21, 0x02]);
    await sendAll(r);
    assert.deepEqual(await status(r, synchronizeCache10()), [0]);
    const d = await r.recorder.discInformation();
    assert.equal(d.discStatus, DiscStatus.EMPTY, 'still blank');
    assert.equal(d.numberOfSessions, 1);
    assert.notDeepEqual(
      await status(r, readCd({ lba: 0, transferLength: 1, bytesPerSector: 2048 })),
      [0],
    );
    assert.notDeepEqual(await status(r, readTocPmaAtip({ format: 0, allocationLength: 12 })), [0]);
    // The same stream for real afterwards.
    await sao(r);
    await sendAll(r);
    assert.deepEqual(await status(r, synchronizeCache10()), [0]);
    assert.equal((await r.recorder.discInformation()).discStatus, DiscStatus.COMPLETE);
  });

  it('READ TOC format 2 is the TOC the lead-in carries for the Q recorded', async () => {
    const r = await rig('virtual:cd-r');
    await sao(r);
    await sendAll(r);
    assert.deepEqual(await status(r, synchronizeCache10()), [0]);
    const raw = decodeRawToc(
      (await r.drive.execute(readTocPmaAtip({ format: 2, allocationLength: 500 }))).dataIn,
    );
    const bcd = (v: number) => (v >> 4) * 10 + (v & 15);
    const point = (p: number) => raw.descriptors.find((e) => e.point === p)!;
    // Each track entry: the control and the absolute time of the first index-1 Q frame.
    for (const [tno, lba] of [
      [1, 0],
      [2, 450],
    ] as const) {
      const q = (
        await r.drive.execute(
          readCd({
            lba,
            transferLength: 1,
            userData: false,
            subChannelSelection: 2,
            bytesPerSector: 16,
          }),
        )
      ).dataIn;
      assert.equal(bcd(q[1]!), tno);
      assert.equal(q[2], 1, 'index 1');
      const e = point(tno);
      assert.equal(e.control, q[0]! >> 4, `track ${tno} control`);
      assert.deepEqual([e.pmin, e.psec, e.pframe], [bcd(q[7]!), bcd(q[8]!), bcd(q[9]!)]);
    }
    // A2: the lead-out where the cue sheet put it, 00:12:00; the disc is closed: no B0.
    assert.deepEqual([point(0xa2).pmin, point(0xa2).psec, point(0xa2).pframe], [0, 12, 0]);
    assert.equal(
      raw.descriptors.some((e) => e.point === 0xb0),
      false,
    );
  });
});
