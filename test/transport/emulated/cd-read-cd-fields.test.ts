// READ CD's data selection on the virtual CD-R, every combination: sync, header codes, user data,
// EDC/ECC, C2 error information (none, 294 bytes, 296 with the block error byte first) and the
// sub-channel (none, raw P-W 96, formatted Q 16, R-W 96), on a Mode 1, a Mode 2 Form 1, a Form 2,
// a formless Mode 2 and an audio sector of one SAO disc. The expected length of each field and
// which selections are refused (reserved values; fields that are not contiguous in the sector)
// are tabulated here from MMC's READ CD description, not taken from the drive's code. Injected
// read faults: an audio sector reads with its C2 bits set; a data sector fails.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ok,
  rig,
  sendCueSheet,
  setCdWriteMode,
  writeSectors,
  type Rig,
} from '../../helpers/recorder.js';
import { cat, h } from '../../helpers/bytes.js';
import { decodeSense } from '../../../src/scsi/sense.js';
import { ScsiStatus } from '../../../src/scsi/command.js';
import { synchronizeCache10 } from '../../../src/scsi/block/synchronize-cache-10.js';
import { readCd } from '../../../src/scsi/mmc/read-cd.js';

// Track 1 Mode 1 at 0, track 2 Mode 2 formless (2,336 from the host) at 300, track 3 audio with
// the host's raw P-W at 600, lead-out at 900.
const CUE = h(`
  41 00 00 14 00 00 00 00
  41 01 00 10 00 00 00 00
  41 01 01 10 00 00 02 00
  41 02 01 30 00 00 06 00
  01 03 01 40 00 00 0A 00
  01 AA 01 01 00 00 0E 00`);

/** Mode 2 user bytes: the sub-header's sub-mode says Form 1 (LBA mod 3 = 0), Form 2 (1), or the
 *  two copies differ (2: no form). */
function mode2(lba: number): Uint8Array {
  const b = Uint8Array.from({ length: 2336 }, (_, i) => (lba + i) & 0xff);
  const subMode = [0x08, 0x20, 0x08][lba % 3]!;
  b.set([0, 0, subMode, 0, 0, 0, lba % 3 === 2 ? 0x20 : subMode, 0], 0);
  return b;
}
const rw = (lba: number) => Uint8Array.from({ length: 96 }, (_, i) => (lba * 3 + i) & 0x3f);

async function disc(): Promise<Rig> {
  const r = await rig('virtual:cd-r');
  await setCdWriteMode(r.recorder, 2, 0);
  await ok(r, sendCueSheet(CUE));
  await writeSectors(r, -150, 300, (lba) => new Uint8Array(2048).fill(lba & 0xff), 15);
  await writeSectors(r, 300, 600, mode2, 15);
  await writeSectors(r, 600, 900, (lba) => cat(new Uint8Array(2352).fill(lba & 0x7f), rw(lba)), 15);
  await ok(r, synchronizeCache10());
  return r;
}

type Kind = 'mode1' | 'form1' | 'form2' | 'mode2' | 'audio';
/** Bytes of [sync, header, sub-header, user data, EDC/ECC] per kind (ECMA-130 sector layouts). */
const SIZES: Record<Kind, readonly number[]> = {
  mode1: [12, 4, 0, 2048, 288],
  form1: [12, 4, 8, 2048, 280],
  form2: [12, 4, 8, 2324, 4],
  mode2: [12, 4, 0, 2336, 0],
  audio: [0, 0, 0, 2352, 0],
};
const SECTORS: [Kind, number][] = [
  ['mode1', 10],
  ['form1', 300],
  ['form2', 301],
  ['mode2', 302],
  ['audio', 650],
];

/** The expected reply length, or undefined when the selection must be refused. */
function expected(
  kind: Kind,
  sel: { sync: boolean; headerCodes: number; userData: boolean; edcEcc: boolean },
  c2: number,
  sub: number,
): number | undefined {
  if (c2 === 3 || sub === 3 || sub > 4) return undefined;
  const want = [sel.sync, (sel.headerCodes & 1) !== 0, (sel.headerCodes & 2) !== 0];
  want.push(sel.userData, sel.edcEcc);
  // Contiguous over the fields the sector has (a Mode 1 or formless sector has no sub-header;
  // for audio the drive checks the selection as for Mode 1).
  const has = kind === 'form1' || kind === 'form2' ? [0, 1, 2, 3, 4] : [0, 1, 3, 4];
  const picked = has.map((i) => want[i]!);
  const first = picked.indexOf(true);
  const last = picked.lastIndexOf(true);
  if (first >= 0 && picked.slice(first, last + 1).includes(false)) return undefined;
  const sizes = SIZES[kind];
  const main =
    kind === 'audio'
      ? sel.userData
        ? 2352
        : 0
      : want.reduce((n, w, i) => n + (w ? sizes[i]! : 0), 0);
  return main + [0, 294, 296][c2]! + [0, 96, 16, 0, 96][sub]!;
}

describe('virtual CD-R: READ CD data selection, C2 and sub-channel', () => {
  it('returns each combination in its exact length, or refuses it with 05/24/00', async () => {
    const r = await disc();
    let refusedCount = 0;
    for (const [kind, lba] of SECTORS) {
      for (let flags = 0; flags < 32; flags++) {
        const sel = {
          sync: (flags & 16) !== 0,
          headerCodes: (flags >> 2) & 3,
          userData: (flags & 2) !== 0,
          edcEcc: (flags & 1) !== 0,
        };
        for (let c2 = 0; c2 < 4; c2++) {
          for (const sub of [0, 1, 2, 3, 4, 7]) {
            const want = expected(kind, sel, c2, sub);
            const res = await r.drive.execute(
              readCd({
                lba,
                transferLength: 1,
                ...sel,
                c2ErrorInformation: c2,
                subChannelSelection: sub,
                bytesPerSector: 4000,
              }),
            );
            const what = `${kind} flags ${flags.toString(2)} C2 ${c2} sub ${sub}`;
            if (want === undefined) {
              assert.equal(res.status, ScsiStatus.CHECK_CONDITION, what);
              const d = decodeSense(res.sense);
              assert.deepEqual([d.senseKey, d.asc, d.ascq], [5, 0x24, 0], what);
              refusedCount++;
            } else {
              assert.equal(res.status, ScsiStatus.GOOD, what);
              assert.equal(res.dataIn.length, want, what);
            }
          }
        }
      }
    }
    assert.ok(refusedCount > 0);
  });

  it('places C2 after the main fields and before the sub-channel; R-W is bits 5..0', async () => {
    const r = await disc();
    const raw = await ok(
      r,
      readCd({ lba: 650, transferLength: 1, subChannelSelection: 1, bytesPerSector: 2448 }),
    );
    const rwOnly = await ok(
      r,
      readCd({
        lba: 650,
        transferLength: 1,
        c2ErrorInformation: 2,
        subChannelSelection: 4,
        bytesPerSector: 2352 + 296 + 96,
      }),
    );
    assert.deepEqual(rwOnly.subarray(0, 2352), raw.subarray(0, 2352));
    assert.ok(
      rwOnly.subarray(2352, 2352 + 296).every((b) => b === 0),
      'no C2 error',
    );
    const rwBytes = rwOnly.subarray(2352 + 296);
    assert.deepEqual(rwBytes, rw(650), 'the host R-W symbols, P and Q bits clear');
    assert.deepEqual(
      rwBytes,
      Uint8Array.from(raw.subarray(2352), (b) => b & 0x3f),
    );
    // A Mode 1 sector: header, user data, EDC/ECC, 294 C2 bytes, formatted Q.
    const m1 = await ok(
      r,
      readCd({
        lba: 10,
        transferLength: 2,
        headerCodes: 1,
        edcEcc: true,
        c2ErrorInformation: 1,
        subChannelSelection: 2,
        bytesPerSector: 4 + 2048 + 288 + 294 + 16,
      }),
    );
    const per = 4 + 2048 + 288 + 294 + 16;
    assert.equal(m1.length, 2 * per);
    assert.deepEqual([...m1.subarray(0, 4)], [0x00, 0x02, 0x10, 0x01]);
    assert.deepEqual([...m1.subarray(per, per + 4)], [0x00, 0x02, 0x11, 0x01]);
    assert.ok(m1.subarray(2340, 2340 + 294).every((b) => b === 0));
    // Q: ADR 1 / CONTROL 4, track 01 index 01.
    assert.deepEqual([...m1.subarray(2634, 2637)], [0x41, 0x01, 0x01]);
  });

  it('an injected medium error: audio reads with every C2 bit set, data fails', async () => {
    const r = await disc();
    r.drive.control.faults.failAt(650, { senseKey: 3, asc: 0x11, ascq: 0 }, { on: 'read' });
    const c2 = await ok(
      r,
      readCd({ lba: 649, transferLength: 2, c2ErrorInformation: 2, bytesPerSector: 2352 + 296 }),
    );
    const per = 2352 + 296;
    assert.ok(
      c2.subarray(2352, per).every((b) => b === 0),
      'LBA 649 reads clean',
    );
    assert.equal(c2[per + 2352], 0xff, 'block error byte');
    assert.equal(c2[per + 2353], 0, 'pad byte');
    assert.ok(c2.subarray(per + 2354, 2 * per).every((b) => b === 0xff));
    const plain = await r.drive.execute(
      readCd({ lba: 650, transferLength: 1, bytesPerSector: 2352 }),
    );
    assert.equal(plain.status, ScsiStatus.CHECK_CONDITION, 'without C2 the read fails');
    const d = decodeSense(plain.sense);
    assert.deepEqual([d.senseKey, d.asc, d.information], [3, 0x11, 650]);
    r.drive.control.faults.failAt(10, { senseKey: 3, asc: 0x11, ascq: 0 }, { on: 'read' });
    const data = await r.drive.execute(
      readCd({ lba: 10, transferLength: 1, c2ErrorInformation: 1, bytesPerSector: 2048 + 294 }),
    );
    assert.equal(data.status, ScsiStatus.CHECK_CONDITION, 'a data sector is not concealed');
  });
});
