// Session-at-Once on the virtual CD-R at the CDB level: SEND CUE SHEET (cue sheet bytes written
// by hand from MMC-6 Table 536/538: CTL/ADR, TNO, INDEX, DATA FORM, SCMS, MIN, SEC, FRAME in
// binary), the lead-in's CD-TEXT, WRITEs in each form's size, then what the disc answers: READ TOC
// formats 0/1/2/5, READ CD main channel and sub-channel, READ SUB-CHANNEL, READ(10). Expected Q
// frames are decoded here field by field (BCD by hand), not compared with the drive's encoder.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ok,
  refused,
  rig,
  sendCueSheet,
  setCdWriteMode,
  writeSectors,
  type Rig,
} from '../../helpers/recorder.js';
import {
  decodeWriteParametersPage,
  encodeWriteParametersPage,
} from '../../../src/scsi/mmc/mode-pages/write-parameters.js';
import { cat, h } from '../../helpers/bytes.js';
import { decodeSense } from '../../../src/scsi/sense.js';
import { ScsiStatus } from '../../../src/scsi/command.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { read10 } from '../../../src/scsi/block/read-10.js';
import { synchronizeCache10 } from '../../../src/scsi/block/synchronize-cache-10.js';
import { readCd } from '../../../src/scsi/mmc/read-cd.js';
import { readTocPmaAtip } from '../../../src/scsi/mmc/read-toc-pma-atip.js';
import {
  readSubChannel,
  decodeReadSubChannelData,
} from '../../../src/scsi/mmc/read-sub-channel.js';
import { decodeCdTextTocData } from '../../../src/scsi/mmc/read-toc-cd-text.js';
import { DiscStatus, LastSessionState } from '../../../src/scsi/mmc/read-disc-information.js';
import {
  cdTextLeadInSymbols,
  decodeCdText,
  encodeCdTextPacks,
  unpackRawPW,
  type CdText,
} from '../../../src/scsi/cd/index.js';

const TEXT: CdText = {
  album: { title: 'Virtual Album', performer: 'The Drive' },
  tracks: [{ title: 'Data' }, { title: 'Song', performer: 'Singer' }],
};

// MCN, lead-in (audio? no: first track is data, so 14h, + 40h CD-TEXT), track 1 Mode 1 from the
// host with its pregap, track 2 audio with ISRC: a generated pause (01h), index 1, index 2;
// lead-out generated in the last track's kind (01h).
const CUE = h(`
  02 30 31 32 33 34 35 36   02 37 38 39 30 31 32 00
  41 00 00 54 00 00 00 00
  41 01 00 10 00 00 00 00
  41 01 01 10 00 00 02 00
  03 02 55 53 41 42 43 39   03 02 39 31 32 33 34 35
  01 02 00 01 00 00 06 00
  01 02 01 00 00 00 08 00
  01 02 02 00 00 00 0A 00
  01 AA 01 01 00 00 0C 00`);

function data(lba: number): Uint8Array {
  return Uint8Array.from({ length: 2048 }, (_, i) => (lba * 7 + i) & 0xff);
}
function audio(lba: number): Uint8Array {
  return Uint8Array.from({ length: 2352 }, (_, i) => (lba * 3 + i * 5) & 0xff);
}

async function saoDisc(): Promise<Rig> {
  const r = await rig('virtual:cd-r');
  await setCdWriteMode(r.recorder, 2, 0);
  await ok(r, sendCueSheet(CUE));
  const symbols = cdTextLeadInSymbols(encodeCdTextPacks(TEXT));
  const leadIn = -11634;
  for (let lba = leadIn; lba < -150; lba += 600) {
    const n = Math.min(600, -150 - lba);
    const bytes = new Uint8Array(n * 96);
    for (let i = 0; i < n; i++) {
      const k = (lba - leadIn + i) % (symbols.length / 96);
      bytes.set(symbols.subarray(k * 96, k * 96 + 96), i * 96);
    }
    await ok(r, write10({ lba, transferLength: n, data: bytes }));
  }
  await writeSectors(r, -150, 300, data);
  await writeSectors(r, 450, 750, audio);
  await ok(r, synchronizeCache10());
  return r;
}

const bcd = (v: number) => (v >> 4) * 10 + (v & 15);

/** The Q of a 96-byte raw P-W block, and its P flag. */
function qOfRaw(raw: Uint8Array): { q: Uint8Array; p: boolean } {
  const ch = unpackRawPW(raw);
  return { q: ch[1]!, p: ch[0]![0] === 0xff };
}

describe('virtual CD-R: Session-at-Once with a cue sheet', () => {
  it('records what the cue sheet and the host give; READ TOC answers from it', async () => {
    const r = await saoDisc();
    // Format 0: track 1 data at 0, track 2 audio at 450, lead-out at 750 (LBA form).
    const toc = await ok(r, readTocPmaAtip({ format: 0, allocationLength: 100 }));
    assert.deepEqual(
      [...toc],
      [
        ...h(
          '00 1A 01 02  00 14 01 00 00 00 00 00  00 10 02 00 00 00 01 C2  00 10 AA 00 00 00 02 EE',
        ),
      ],
    );
    const session = await ok(r, readTocPmaAtip({ format: 1, allocationLength: 12 }));
    assert.deepEqual([...session], [...h('00 0A 01 01 00 14 01 00 00 00 00 00')]);
    // Format 2: A0 (first track 1, disc type 0), A1 (last track 2), A2 lead-out 00:12:00,
    // track 1 at 00:02:00, track 2 at 00:08:00 — binary MSF, session 1, ADR 1.
    const full = await ok(r, readTocPmaAtip({ format: 2, allocationLength: 200 }));
    assert.deepEqual(
      [...full],
      [
        ...h(`00 39 01 01
        01 14 00 A0 00 00 00 00 01 00 00
        01 10 00 A1 00 00 00 00 02 00 00
        01 10 00 A2 00 00 00 00 00 0C 00
        01 14 00 01 00 00 00 00 00 02 00
        01 10 00 02 00 00 00 00 00 08 00`),
      ],
    );
    const text = decodeCdTextTocData(
      await ok(r, readTocPmaAtip({ format: 5, allocationLength: 4000 })),
    );
    assert.deepEqual(text, encodeCdTextPacks(TEXT));
    assert.deepEqual(decodeCdText(text).tracks, TEXT.tracks);
  });

  it('closes the session at the cue sheet end: READ DISC INFORMATION says complete', async () => {
    const r = await saoDisc();
    const d = await r.recorder.discInformation({ msf: true });
    assert.equal(d.discStatus, DiscStatus.COMPLETE, 'Multi-session 00b: finalized');
    assert.equal(d.stateOfLastSession, LastSessionState.COMPLETE);
    assert.equal(d.numberOfSessions, 1);
  });

  it('READ CD returns the sectors with the headers, EDC/ECC and sub-channel the drive wrote', async () => {
    const r = await saoDisc();
    // LBA 10 of the Mode 1 track: sync, header 00:02:10 mode 1, the host's data.
    const full = await ok(
      r,
      readCd({
        lba: 10,
        transferLength: 1,
        sync: true,
        headerCodes: 3,
        userData: true,
        edcEcc: true,
        bytesPerSector: 2352,
      }),
    );
    assert.deepEqual(
      [...full.subarray(0, 16)],
      [...h('00 FF FF FF FF FF FF FF FF FF FF 00 00 02 10 01')],
    );
    assert.deepEqual(full.subarray(16, 2064), data(10));
    const user = await ok(
      r,
      readCd({ lba: 10, transferLength: 1, userData: true, bytesPerSector: 2048 }),
    );
    assert.deepEqual(user, data(10));
    const headerOnly = await ok(
      r,
      readCd({ lba: 10, transferLength: 1, headerCodes: 1, userData: false, bytesPerSector: 4 }),
    );
    assert.deepEqual([...headerOnly], [0x00, 0x02, 0x10, 0x01]);
    // The pregap −150 reads (index 0, P set, relative time counting down to 00:01:74).
    const pregap = await ok(
      r,
      readCd({
        lba: -150,
        transferLength: 1,
        userData: true,
        subChannelSelection: 1,
        bytesPerSector: 2048 + 96,
      }),
    );
    const pq = qOfRaw(pregap.subarray(2048));
    assert.deepEqual([...pq.q.subarray(0, 10)], [...h('41 01 00 00 01 74 00 00 00 00')]);
    assert.equal(pq.p, true);
    // Audio at 450: the host's bytes, Q track 2 index 1 at 00:08:00, P clear.
    const a = await ok(
      r,
      readCd({
        lba: 450,
        transferLength: 1,
        userData: true,
        subChannelSelection: 1,
        bytesPerSector: 2352 + 96,
      }),
    );
    assert.deepEqual(a.subarray(0, 2352), audio(450));
    const aq = qOfRaw(a.subarray(2352));
    assert.deepEqual([...aq.q.subarray(0, 10)], [...h('01 02 01 00 00 00 00 00 08 00')]);
    assert.equal(aq.p, false);
    // The generated pause at 300: silence, index 0, formatted Q (16 bytes), 149 frames to go.
    const pause = await ok(
      r,
      readCd({
        lba: 300,
        transferLength: 1,
        expectedSectorType: 1,
        userData: true,
        subChannelSelection: 2,
        bytesPerSector: 2352 + 16,
      }),
    );
    assert.ok(pause.subarray(0, 2352).every((b) => b === 0));
    assert.deepEqual([...pause.subarray(2352, 2362)], [...h('01 02 00 00 01 74 00 00 06 00')]);
    // Index 2 at 600; MCN at LBA 100 ((100 + 150) mod 100 = 50); ISRC at 475.
    const i2 = await ok(
      r,
      readCd({
        lba: 600,
        transferLength: 1,
        userData: false,
        subChannelSelection: 2,
        bytesPerSector: 16,
      }),
    );
    assert.equal(bcd(i2[2]!), 2);
    const mcn = await ok(
      r,
      readCd({
        lba: 100,
        transferLength: 1,
        userData: false,
        subChannelSelection: 2,
        bytesPerSector: 16,
      }),
    );
    assert.deepEqual([...mcn.subarray(0, 8)], [...h('42 01 23 45 67 89 01 20')]);
    const isrc = await ok(
      r,
      readCd({
        lba: 475,
        transferLength: 1,
        userData: false,
        subChannelSelection: 2,
        bytesPerSector: 16,
      }),
    );
    assert.equal(isrc[0], 0x03);
    // The CRC of every frame checks (x^16+x^12+x^5+1 by long division).
    for (const q of [
      pq.q,
      aq.q,
      pause.subarray(2352, 2364),
      mcn.subarray(0, 12),
      isrc.subarray(0, 12),
    ]) {
      let m = 0n;
      for (const b of q.subarray(0, 10)) m = (m << 8n) | BigInt(b);
      m <<= 16n;
      for (let bit = 95; bit >= 16; bit--)
        if (m & (1n << BigInt(bit))) m ^= 0x11021n << BigInt(bit - 16);
      assert.equal(Number(m) ^ 0xffff, (q[10]! << 8) | q[11]!);
    }
    // A sector type the track does not hold: 05/64/00.
    assert.deepEqual(
      await refused(
        r,
        readCd({
          lba: 450,
          transferLength: 1,
          expectedSectorType: 2,
          userData: true,
          bytesPerSector: 2048,
        }),
      ),
      [5, 0x64, 0, undefined, undefined],
    );
    // READ(10) reads the Mode 1 user data; the lead-in stays unreadable.
    assert.deepEqual(
      await ok(r, read10({ lba: 299, transferLength: 1, blockSize: 2048 })),
      data(299),
    );
    assert.deepEqual(
      (
        await refused(
          r,
          readCd({ lba: -151, transferLength: 1, userData: true, bytesPerSector: 2352 }),
        )
      ).slice(0, 3),
      [5, 0x21, 0],
    );
  });

  it('READ SUB-CHANNEL reports the MCN, the ISRCs and the current position', async () => {
    const r = await saoDisc();
    const mcn = decodeReadSubChannelData(await ok(r, readSubChannel({ format: 2 })));
    assert.deepEqual(mcn.data, { format: 2, mediaCatalogNumber: '0123456789012' });
    const isrc = decodeReadSubChannelData(
      await ok(r, readSubChannel({ format: 3, trackNumber: 2 })),
    );
    assert.deepEqual(isrc.data, {
      format: 3,
      adr: 1,
      control: 0,
      trackNumber: 2,
      isrc: 'USABC9912345',
    });
    const none = decodeReadSubChannelData(
      await ok(r, readSubChannel({ format: 3, trackNumber: 1 })),
    );
    assert.equal(none.data?.format === 3 ? none.data.isrc : 'x', undefined);
    await ok(r, readCd({ lba: 320, transferLength: 1, userData: true, bytesPerSector: 2352 }));
    const raw = await ok(r, readSubChannel({ format: 1, msf: true }));
    // Header: audio status 15h, 12 bytes; ADR 1 / CONTROL 0, track 2 index 0, absolute 00:06:20,
    // relative 00:01:55 before index 1 (130 frames).
    assert.deepEqual([...raw], [...h('00 15 00 0C 01 10 02 00 00 00 06 14 00 00 01 37')]);
    const pos = decodeReadSubChannelData(await ok(r, readSubChannel({ format: 1 })));
    assert.deepEqual(pos.data, {
      format: 1,
      adr: 1,
      control: 0,
      trackNumber: 2,
      indexNumber: 0,
      absoluteLba: 320,
      relativeLba: -130,
    });
    assert.deepEqual(await refused(r, readSubChannel({ format: 3, trackNumber: 9 })), [
      5,
      0x24,
      0,
      true,
      6,
    ]);
  });
});

describe('virtual CD-R: cue sheets and SAO streams refused as drives refuse them', () => {
  const swap = (at: number, value: number) => {
    const c = Uint8Array.from(CUE);
    c[at] = value;
    return c;
  };

  it('checks the Write Type, the size and each field, naming the byte', async () => {
    const r = await rig('virtual:cd-r');
    assert.deepEqual(
      (await refused(r, sendCueSheet(CUE))).slice(0, 3),
      [5, 0x2c, 0],
      'TAO selected',
    );
    await setCdWriteMode(r.recorder, 2, 0);
    assert.deepEqual(await refused(r, sendCueSheet(CUE.subarray(0, 20), 20)), [
      5,
      0x24,
      0,
      true,
      6,
    ]);
    assert.deepEqual(await refused(r, sendCueSheet(CUE, 0x10000)), [5, 0x24, 0, true, 6]);
    const cases: [Uint8Array, number, number][] = [
      [swap(16 + 5, 1), 0, 16 + 5], // lead-in not at 00:00:00
      [swap(16 + 3, 0x10), 0, 16 + 3], // lead-in not generated
      [swap(24 + 3, 0x00), 0, 24 + 3], // audio form under a data CTL
      [swap(56 + 1, 3), 0, 56 + 1], // track 3 after track 1
      [swap(72 + 2, 3), 0, 72 + 2], // index 3 after index 1
      [swap(80 + 7, 80), 0, 80 + 7], // FRAME 80
      [swap(80 + 6, 1), 0, 80 + 5], // lead-out before index 2
      [swap(24 + 3, 0x20), 1, 24 + 3], // CD-ROM XA form: parameter not supported
      [swap(3, 0x41), 0, 3], // a catalogue digit that is not one
      [swap(40 + 2, 0x61), 0, 40 + 2], // ISRC country in lower case
    ];
    for (const [cue, ascq, pointer] of cases) {
      assert.deepEqual(
        await refused(r, sendCueSheet(cue)),
        [5, 0x26, ascq, false, pointer],
        `byte ${pointer}`,
      );
    }
  });

  it('takes the stream only in order and in the form sizes; no cue sheet on DVD', async () => {
    const r = await rig('virtual:cd-r');
    await setCdWriteMode(r.recorder, 2, 0);
    await ok(r, sendCueSheet(CUE));
    // CD-TEXT was announced: the lead-in comes first.
    assert.deepEqual(
      (await refused(r, write10({ lba: -150, transferLength: 1, data: data(0) }))).slice(0, 3),
      [5, 0x21, 2],
    );
    assert.deepEqual(
      (
        await refused(r, write10({ lba: -11634, transferLength: 1, data: new Uint8Array(2048) }))
      ).slice(0, 3),
      [5, 0x64, 0],
    );
    const dvd = await rig('virtual:dvd-r');
    await setCdWriteMode(dvd.recorder, 2, 8);
    assert.deepEqual((await refused(dvd, sendCueSheet(CUE))).slice(0, 3), [5, 0x64, 0]);
    // Raw writing is not a write type of DVD media: MODE SELECT refuses page 05h with it.
    await assert.rejects(setCdWriteMode(dvd.recorder, 3, 3), (e: unknown) => {
      const s = (e as { senseInfo?: { key: number; asc: number } }).senseInfo;
      return s?.key === 5 && s.asc === 0x26;
    });
  });
});

describe('virtual CD-R: SAO in Mode 2 and with the host sub-channel, leaving the disc open', () => {
  // Track 1 Mode 2 formless (30h, 2,336 bytes) with its pregap; track 2 audio with raw P-W from
  // the host (40h: 2,352 + 96 bytes), no pause; lead-out at 00:12:00. Multi-session 11b.
  const cue = h(`
    41 00 00 14 00 00 00 00
    41 01 00 30 00 00 00 00
    41 01 01 30 00 00 02 00
    01 02 01 40 00 00 06 00
    01 AA 01 01 00 00 0A 00`);

  it('builds Mode 2 sectors, keeps the host R-W, and lists B0/C0 while a session may follow', async () => {
    const r = await rig('virtual:cd-r');
    const page = decodeWriteParametersPage(await r.recorder.getModePage(0x05, 0));
    await r.recorder.setModePage(
      0,
      encodeWriteParametersPage({ ...page, writeType: 2, multiSession: 3 }),
    );
    await ok(r, sendCueSheet(cue));
    const m2 = (lba: number) => Uint8Array.from({ length: 2336 }, (_, i) => (lba + i * 3) & 0xff);
    const rw = (lba: number) => Uint8Array.from({ length: 96 }, (_, i) => (lba + i) & 0x3f);
    for (let lba = -150; lba < 300; lba += 25) {
      await ok(
        r,
        write10({
          lba,
          transferLength: 25,
          data: cat(...Array.from({ length: 25 }, (_, i) => m2(lba + i))),
        }),
      );
    }
    for (let lba = 300; lba < 600; lba += 20) {
      const parts = Array.from({ length: 20 }, (_, i) => cat(audio(lba + i), rw(lba + i)));
      await ok(r, write10({ lba, transferLength: 20, data: cat(...parts) }));
    }
    await ok(r, synchronizeCache10());
    const info = await r.recorder.discInformation({ msf: true });
    assert.equal(info.discStatus, DiscStatus.INCOMPLETE, 'Multi-session 11b: appendable');
    assert.equal(info.numberOfSessions, 2, 'session 1 closed, session 2 open and empty');
    assert.equal(info.stateOfLastSession, LastSessionState.EMPTY);
    const s = await ok(
      r,
      readCd({
        lba: 5,
        transferLength: 1,
        sync: true,
        headerCodes: 3,
        userData: true,
        edcEcc: true,
        bytesPerSector: 2352,
      }),
    );
    // Header 00:02:05, mode 2; the 2,336 bytes follow as sent (formless: no EDC/ECC split).
    assert.deepEqual([...s.subarray(12, 16)], [0x00, 0x02, 0x05, 0x02]);
    assert.deepEqual(s.subarray(16), m2(5));
    const a = await ok(
      r,
      readCd({
        lba: 310,
        transferLength: 1,
        userData: true,
        subChannelSelection: 1,
        bytesPerSector: 2448,
      }),
    );
    assert.deepEqual(a.subarray(0, 2352), audio(310));
    assert.deepEqual(
      Uint8Array.from(a.subarray(2352), (b) => b & 0x3f),
      rw(310),
    );
    const full = await ok(r, readTocPmaAtip({ format: 2, allocationLength: 200 }));
    // A0 A1 A2, 2 tracks, then B0 (ADR 5): next program area, 2 pointers, last lead-out; C0.
    assert.equal(full.length, 4 + 7 * 11);
    // A0: first track 1, disc type 20h (CD-ROM XA: the first track is Mode 2).
    assert.deepEqual([...full.subarray(4, 15)], [...h('01 14 00 A0 00 00 00 00 01 20 00')]);
    const b0 = full.subarray(4 + 5 * 11, 4 + 6 * 11);
    assert.equal(b0[1]! >> 4, 5);
    assert.equal(b0[3], 0xb0);
    assert.equal(b0[7], 2);
    const c0 = full.subarray(4 + 6 * 11);
    assert.deepEqual([c0[1]! >> 4, c0[3], c0[8], c0[9], c0[10]], [5, 0xc0, 97, 26, 66]);
  });
});

describe('virtual CD-R: any cue sheet bytes', () => {
  it('are taken or refused with ILLEGAL REQUEST, never anything else', async () => {
    const r = await rig('virtual:cd-r');
    await setCdWriteMode(r.recorder, 2, 0);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(CUE.length - 1), fc.integer({ min: 0, max: 255 })), {
          maxLength: 4,
        }),
        fc.uint8Array({ maxLength: 64 }),
        async (edits, tail) => {
          const cue = Uint8Array.from(CUE);
          for (const [i, b] of edits) cue[i] = b;
          for (const bytes of [cue, cat(cue, tail), tail]) {
            const res = await r.drive.execute(sendCueSheet(bytes));
            if (res.status === ScsiStatus.GOOD) continue;
            assert.equal(res.status, ScsiStatus.CHECK_CONDITION);
            assert.equal(decodeSense(res.sense).senseKey, 5);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
