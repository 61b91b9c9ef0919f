// DiscFormat2TrackAtOnce appending to a disc an earlier run left open (doNotFinalizeMedia), at the
// CDB level: an album written in two runs — the second after reopening the image-backed virtual
// CD-R from its sidecar — reads back (READ TOC format 0, READ CD main channel and raw P-W, READ
// SUB-CHANNEL MCN/ISRC) equal to the same album written in one run; the existing tracks count in
// numberOfExistingTracks, the sector counts and the expected TOC; discs the writer will not append
// to are refused with E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscFormat2TrackAtOnce } from '../../src/format/index.js';
import { DiscRecorder } from '../../src/device/recorder.js';
import { VirtualClock } from '../../src/transport/clock.js';
import { openVirtualDrive } from '../../src/transport/emulated/index.js';
import { readCd } from '../../src/scsi/mmc/read-cd.js';
import { readTocPmaAtip } from '../../src/scsi/mmc/read-toc-pma-atip.js';
import { readSubChannel } from '../../src/scsi/mmc/read-sub-channel.js';
import { closeTrackSession } from '../../src/scsi/mmc/close-track-session.js';
import { HR } from '../../src/errors.js';
import { write10 } from '../../src/scsi/block/write-10.js';
import {
  decodeWriteParametersPage,
  encodeWriteParametersPage,
  type WriteParametersPage,
} from '../../src/scsi/mmc/mode-pages/write-parameters.js';
import { rejectsWith, rig } from '../helpers/recorder.js';

async function setPage(
  recorder: DiscRecorder,
  fields: Partial<WriteParametersPage>,
): Promise<void> {
  const page = decodeWriteParametersPage(await recorder.getModePage(0x05, 0));
  await recorder.setModePage(0, encodeWriteParametersPage({ ...page, ...fields }));
}

const pcm = (sectors: number, seed: number) =>
  Uint8Array.from({ length: sectors * 2352 }, (_, i) => (i * seed + (i >> 9)) & 0xff);

const MCN = '0724384960650';
const ALBUM = [
  { pcm: pcm(300, 3), isrc: 'USRC17607839' },
  { pcm: pcm(310, 5), isrc: undefined },
  { pcm: pcm(305, 7), isrc: 'GBAYE6800011' },
];

async function open(address: string, clock = new VirtualClock()) {
  const drive = await openVirtualDrive(address, { clock });
  const recorder = await DiscRecorder.fromTransport(drive, { clock });
  return { clock, recorder };
}

/** Writes `tracks` of ALBUM in one TAO run; finalizes unless `leaveOpen`. */
async function run(
  r: { clock: VirtualClock; recorder: DiscRecorder },
  tracks: typeof ALBUM,
  leaveOpen: boolean,
  check?: (tao: DiscFormat2TrackAtOnce) => void,
): Promise<number[]> {
  const tao = new DiscFormat2TrackAtOnce({ clock: r.clock });
  tao.setRecorder(r.recorder);
  tao.doNotFinalizeMedia = leaveOpen;
  tao.mediaCatalogNumber = MCN;
  await tao.prepareMedia();
  check?.(tao);
  const numbers: number[] = [];
  for (const t of tracks) {
    numbers.push(await tao.addAudioTrack(t.pcm, t.isrc === undefined ? {} : { isrc: t.isrc }));
  }
  await tao.releaseMedia();
  return numbers;
}

/** What a player sees: READ TOC 0, every sector's main channel and raw P-W, MCN and ISRCs. */
async function readBack(recorder: DiscRecorder) {
  const toc = (await recorder.executeCommand(readTocPmaAtip({ format: 0, allocationLength: 804 })))
    .dataIn;
  const leadOut =
    ((toc[toc.length - 3]! << 16) | (toc[toc.length - 2]! << 8) | toc[toc.length - 1]!) >>> 0;
  // Each track with its pause (the 2 link blocks between them are not readable).
  const sectors: Uint8Array[] = [];
  for (let n = 1; n <= 3; n++) {
    const t = await recorder.trackInformation(n, 1);
    const end = t.logicalTrackStartAddress + t.logicalTrackSize;
    for (let lba = t.logicalTrackStartAddress - 150; lba < end; lba += 25) {
      const count = Math.min(25, end - lba);
      const res = await recorder.executeCommand(
        readCd({
          lba,
          transferLength: count,
          expectedSectorType: 1,
          userData: true,
          subChannelSelection: 1,
          bytesPerSector: 2448,
        }),
      );
      sectors.push(res.dataIn);
    }
  }
  const mcn = (await recorder.executeCommand(readSubChannel({ subQ: true, format: 2 }))).dataIn;
  const isrcs: Uint8Array[] = [];
  for (let n = 1; n <= 3; n++) {
    isrcs.push(
      (await recorder.executeCommand(readSubChannel({ subQ: true, format: 3, trackNumber: n })))
        .dataIn,
    );
  }
  return { toc, leadOut, sectors: Buffer.concat(sectors), mcn, isrcs };
}

describe('DiscFormat2TrackAtOnce: appending to a disc left open', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-tao-append-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('an album in two runs (the drive reopened from its image) equals the one-run album', async () => {
    const img = join(dir, 'two-runs.img');
    const first = await open(`virtual:cd-r?image=${img}`);
    try {
      assert.deepEqual(await run(first, ALBUM.slice(0, 2), true), [1, 2]);
    } finally {
      await first.recorder.close();
    }
    let usedAfterTwo = 0;
    const second = await open(`virtual:cd-r?image=${img}`);
    const oneRun = await rig('virtual:cd-r');
    try {
      const info = await second.recorder.discInformation();
      assert.equal(info.discStatus, 1, 'incomplete: the session is open');
      const nwa = (await second.recorder.trackInformation(3, 1)).nextWritableAddress;
      const numbers = await run(second, ALBUM.slice(2), false, (tao) => {
        assert.equal(tao.numberOfExistingTracks, 2);
        const toc = tao.expectedTableOfContents;
        assert.deepEqual(
          toc.descriptors.map((d) => d.trackNumber),
          [1, 2, 0xaa],
        );
        assert.equal(toc.descriptors[0]!.trackStartAddress, 0);
        usedAfterTwo = tao.usedSectorsOnMedia;
        assert.equal(usedAfterTwo, nwa, 'used: up to the next writable address');
        assert.equal(tao.freeSectorsOnMedia + usedAfterTwo, tao.totalSectorsOnMedia);
      });
      assert.deepEqual(numbers, [3], 'the next track number continues the session');
      assert.equal((await second.recorder.discInformation()).discStatus, 2, 'finalized');

      assert.deepEqual(await run(oneRun, ALBUM, false), [1, 2, 3]);
      const a = await readBack(second.recorder);
      const b = await readBack(oneRun.recorder);
      assert.deepEqual(a.toc, b.toc, 'READ TOC format 0');
      assert.equal(a.sectors.length, (ALBUM.length * 150 + 300 + 310 + 305) * 2448);
      assert.ok(a.sectors.equals(b.sectors), 'READ CD main channel and P-W');
      assert.deepEqual(a.mcn, b.mcn);
      assert.deepEqual(a.isrcs, b.isrcs);
      assert.equal(String.fromCharCode(...a.mcn.subarray(9, 22)), MCN);
      const isrcOf = (d: Uint8Array) =>
        d[8]! & 0x80 ? String.fromCharCode(...d.subarray(9, 21)) : undefined;
      assert.deepEqual(
        a.isrcs.map(isrcOf),
        ALBUM.map((t) => t.isrc),
      );
      // The main channel is the album's PCM after each pause.
      const t3 = a.sectors.subarray((3 * 150 + 610) * 2448, (3 * 150 + 611) * 2448);
      assert.deepEqual(new Uint8Array(t3.subarray(0, 2352)), ALBUM[2]!.pcm.subarray(0, 2352));
    } finally {
      await second.recorder.close();
      await oneRun.recorder.close();
    }
  });

  it('refuses a finalized disc, a disc with a data track, a closed first session', async () => {
    const prepare = async (r: Awaited<ReturnType<typeof rig>>) => {
      const tao = new DiscFormat2TrackAtOnce({ clock: r.clock });
      tao.setRecorder(r.recorder);
      return (await rejectsWith(tao.prepareMedia())).hr;
    };
    // Finalized by an earlier TAO run.
    const done = await rig('virtual:cd-r');
    await run(done, ALBUM.slice(0, 1), false);
    assert.equal(await prepare(done), HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK);

    // An open session holding a Mode 1 data track.
    const data = await rig('virtual:cd-r');
    await setPage(data.recorder, { writeType: 1, trackMode: 4, dataBlockType: 8 });
    for (let lba = 0; lba < 300; lba += 25) {
      await data.recorder.executeCommand(
        write10({ lba, transferLength: 25, data: new Uint8Array(25 * 2048) }),
      );
    }
    await data.recorder.executeCommand(
      closeTrackSession({ closeFunction: 1, logicalTrackNumber: 1 }),
    );
    assert.equal((await data.recorder.discInformation()).discStatus, 1);
    assert.equal(await prepare(data), HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK);

    // Audio whose session was closed with a next session allowed: appendable, session 2 empty.
    const closed = await rig('virtual:cd-rw');
    await run(closed, ALBUM.slice(0, 1), true);
    await setPage(closed.recorder, { multiSession: 3 });
    await closed.recorder.executeCommand(closeTrackSession({ closeFunction: 2 }));
    const info = await closed.recorder.discInformation();
    assert.equal(info.discStatus, 1);
    assert.equal(info.numberOfSessions, 2);
    assert.equal(await prepare(closed), HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK);
  });

  it('a second run with no new track finalizes the open disc', async () => {
    const r = await rig('virtual:cd-r');
    await run(r, ALBUM.slice(0, 1), true);
    await run(r, [], false, (tao) => assert.equal(tao.numberOfExistingTracks, 1));
    assert.equal((await r.recorder.discInformation()).discStatus, 2);
  });

  it('sends the MCN and each ISRC in page 05h; refuses malformed ones', async () => {
    const r = await rig('virtual:cd-r');
    const tao = new DiscFormat2TrackAtOnce({ clock: r.clock });
    tao.setRecorder(r.recorder);
    assert.equal(
      (() => {
        try {
          tao.mediaCatalogNumber = '07243849606';
        } catch (e) {
          return (e as { hr: number }).hr;
        }
        return 0;
      })(),
      HR.E_IMAPI_DF2TAO_INVALID_MCN,
    );
    tao.mediaCatalogNumber = MCN;
    await tao.prepareMedia();
    const page = await r.recorder.getModePage(0x05, 0);
    assert.equal(page[16], 0x80, 'MCVAL');
    assert.equal(String.fromCharCode(...page.subarray(17, 30)), MCN);
    assert.equal(
      (await rejectsWith(tao.addAudioTrack(ALBUM[0]!.pcm, { isrc: 'US-RC1-76-07839' }))).hr,
      HR.E_IMAPI_DF2TAO_INVALID_ISRC,
    );
    await tao.addAudioTrack(ALBUM[0]!.pcm, { isrc: 'USRC17607839' });
    const withIsrc = await r.recorder.getModePage(0x05, 0);
    assert.equal(withIsrc[32], 0x80, 'TCVAL');
    assert.equal(String.fromCharCode(...withIsrc.subarray(33, 45)), 'USRC17607839');
    await tao.addAudioTrack(ALBUM[1]!.pcm);
    assert.equal((await r.recorder.getModePage(0x05, 0))[32], 0, 'cleared for the next track');
    await tao.releaseMedia();
  });
});
