// The virtual drive against real drives' answers (test/fixtures/drives/, docs/virtual-drive.md
// "Checked against real drives"): the same questions put to the virtual drive, decoded with the
// codecs the decoders' own fixture tests (test/scsi/mmc/real-drives.test.ts) hold to the real
// bytes, must give what the real drive gave.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openVirtualDrive, VirtualClock } from '../../../src/testing/index.js';
import type { VirtualDrive } from '../../../src/testing/index.js';
import {
  CapacityDescriptorType,
  decodeReadFormatCapacitiesData,
} from '../../../src/scsi/mmc/read-format-capacities.js';
import { decodeReadTrackInformationData } from '../../../src/scsi/mmc/read-track-information.js';
import { decodeGetConfigurationData } from '../../../src/scsi/mmc/get-configuration.js';
import { decodeReadDiscStructureData } from '../../../src/scsi/mmc/read-disc-structure.js';
import { decodeLayerBoundaryInformation } from '../../../src/scsi/mmc/layer-boundary.js';
import { decodeMechanismStatusData } from '../../../src/scsi/mmc/mechanism-status.js';
import { decodeAtipData } from '../../../src/scsi/mmc/atip.js';
import type { FormatDescriptorFact } from '../../fixtures/drives/source.js';
import * as wh16ns40 from '../../fixtures/drives/lg-wh16ns40/blank-bd-r.js';
import * as srmPow from '../../fixtures/drives/lg-wh16ns40/bd-r-srm-pow.js';
import * as shS182m from '../../fixtures/drives/tsst-sh-s182m/dvd-ram-formats.js';
import * as sh224db from '../../fixtures/drives/tsst-sh-224db/dvd+r-two-sessions.js';
import * as nd1300a from '../../fixtures/drives/nec-nd-1300a/dvd+r-sessions.js';
import * as axd001 from '../../fixtures/drives/acer-axd001/blank-dvd+r.js';
import * as bt20n from '../../fixtures/drives/lg-bt20n/dvd+r-dl-layer-boundary.js';
import * as gsaH31n from '../../fixtures/drives/lg-gsa-h31n/dvd-r.js';
import * as nd3540a from '../../fixtures/drives/nec-nd-3540a/dvd+rw-blank.js';
import * as dvdMinus from '../../fixtures/drives/multi-drive/dvd-minus-capacity.js';
import * as features from '../../fixtures/drives/multi-drive/dvd-bd-features.js';
import * as libburn from '../../fixtures/drives/libburn/formats.js';
import * as libburnBdRe from '../../fixtures/drives/libburn/bd-re-formats.js';
import * as growisofs from '../../fixtures/drives/dvd+rw-tools/growisofs.js';
import * as cdCommands from '../../fixtures/drives/multi-drive/cd-commands.js';
import * as smaller from '../../fixtures/drives/multi-drive/smaller.js';
import { hexBe, must, send, senseOf, u32, waitForUnit } from '../../helpers/replay.js';

async function open(address: string, clock?: VirtualClock): Promise<VirtualDrive> {
  const d = await openVirtualDrive(address, clock === undefined ? {} : { clock });
  await waitForUnit(d);
  return d;
}

const formatsOf = async (d: VirtualDrive) =>
  decodeReadFormatCapacitiesData(await must(d, '23 00 00 00 00 00 00 01 04 00', { alloc: 260 }));

const listOf = (f: Awaited<ReturnType<typeof formatsOf>>): FormatDescriptorFact[] =>
  f.formattableCapacities.map((c) => ({
    formatType: c.formatType,
    typeDependentParameter: c.typeDependentParameter,
    numberOfBlocks: c.numberOfBlocks,
  }));

const trackInfo = async (d: VirtualDrive, track: number) =>
  decodeReadTrackInformationData(
    await must(d, `52 01 00 00 ${hexBe(track, 2)} 00 00 30 00`, { alloc: 48 }),
  );

const dir = mkdtempSync(join(tmpdir(), 'discwright-real-drives-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const block = (n: number) => new Uint8Array(n * 2048).fill(0xa5);

async function write(d: VirtualDrive, lba: number, n: number) {
  return send(d, `2a 00 ${hexBe(lba, 4)} 00 ${hexBe(n, 2)} 00`, { out: block(n) });
}

/** Current bit of one feature (GET CONFIGURATION RT=2), or undefined when not listed. */
async function featureCurrent(d: VirtualDrive, code: number): Promise<boolean | undefined> {
  const r = decodeGetConfigurationData(
    await must(d, `46 02 ${hexBe(code, 2)} 00 00 00 00 40 00`, { alloc: 64 }),
  );
  return r.descriptors[0]?.current;
}

describe('the virtual drive against real drives (test/fixtures/drives)', () => {
  it(`row 1: a blank BD-R offers what the ${wh16ns40.source.drive} offers, and formats`, async () => {
    const d = await open('virtual:bd-r');
    const f = await formatsOf(d);
    assert.equal(
      f.currentMaximumCapacity.numberOfBlocks,
      wh16ns40.readFormatCapacities.current.numberOfBlocks,
    );
    assert.equal(f.currentMaximumCapacity.descriptorType, CapacityDescriptorType.UNFORMATTED);
    assert.deepEqual(listOf(f), wh16ns40.readFormatCapacities.formattable);
    const t = await trackInfo(d, 1);
    for (const [k, v] of Object.entries(wh16ns40.track1)) {
      assert.equal(k === 'reserved' ? t.rt : t[k as keyof typeof t], v, k);
    }
    // FORMAT UNIT 32h with the largest descriptor (growisofs): the formatted capacity.
    const list = new Uint8Array([0, 0x02, 0, 8, ...[0x00, 0xb8, 0x74, 0x00], 0x32 << 2, 0, 0, 0]);
    assert.equal(u32(list, 4), srmPow.formattedCapacity);
    await must(d, '04 11 00 00 00 00', { out: list });
    const after = await formatsOf(d);
    assert.equal(after.currentMaximumCapacity.descriptorType, CapacityDescriptorType.FORMATTED);
    assert.equal(after.currentMaximumCapacity.numberOfBlocks, srmPow.formattedCapacity);
    assert.equal((await trackInfo(d, 1)).freeBlocks, srmPow.formattedCapacity);
    // Sub-type 10b (RRM) is not offered; once recorded, a BD-R takes no format.
    list[8] = (0x32 << 2) | 2;
    assert.deepEqual(senseOf(await send(d, '04 11 00 00 00 00', { out: list })), [5, 0x26, 0]);
    assert.equal(senseOf(await write(d, 0, 32)), undefined);
    list[8] = 0x32 << 2;
    assert.deepEqual(senseOf(await send(d, '04 11 00 00 00 00', { out: list })), [5, 0x2c, 0]);
    assert.equal(growisofs.bdRFormatType, 0x32);
    await d.close();
  });

  it('row 1: SRM+POW lists BD-R Pseudo-Overwrite (0038h) current and takes overwrites of recorded blocks', async () => {
    const d = await open('virtual:bd-r');
    // Listed by the drive, not current on a blank (unformatted) BD-R.
    assert.equal(await featureCurrent(d, growisofs.bdRPow.featureCode), false);
    assert.equal(senseOf(await write(d, 0, 32)), undefined);
    assert.deepEqual(senseOf(await write(d, 0, 32)), [5, 0x21, 2], 'no POW before formatting');
    await d.close();

    const p = await open('virtual:bd-r');
    const list = new Uint8Array([0, 0, 0, 8, ...[0x00, 0xb8, 0x74, 0x00], 0x32 << 2, 0, 0, 0]);
    await must(p, '04 11 00 00 00 00', { out: list }); // sub-type 00b: SRM+POW
    assert.equal(await featureCurrent(p, growisofs.bdRPow.featureCode), true);
    const first = new Uint8Array(32 * 2048).fill(0x11);
    await must(p, '2a 00 00 00 00 00 00 00 20 00', { out: first });
    await must(p, '2a 00 00 00 00 20 00 00 20 00', { out: first });
    const before = await trackInfo(p, 1);
    assert.equal(before.nextWritableAddress, 64);
    // Overwrite LBAs 16..31 (growisofs' volume descriptor copy): taken, and read back new.
    const patch = new Uint8Array(16 * 2048).fill(0x22);
    assert.equal(
      senseOf(await send(p, '2a 00 00 00 00 10 00 00 10 00', { out: patch })),
      undefined,
    );
    assert.deepEqual(await must(p, '28 00 00 00 00 10 00 00 10 00', { alloc: 16 * 2048 }), patch);
    assert.deepEqual(
      await must(p, '28 00 00 00 00 00 00 00 10 00', { alloc: 16 * 2048 }),
      first.subarray(0, 16 * 2048),
      'the blocks around the overwrite are unchanged',
    );
    // The replacement is not visible: NWA, free blocks and the track stay as they were.
    const afterPow = await trackInfo(p, 1);
    for (const k of ['nextWritableAddress', 'freeBlocks', 'logicalTrackSize', 'blank'] as const) {
      assert.equal(afterPow[k], before[k], k);
    }
    // Appending stays sequential; a write running past the NWA or beyond it is refused.
    assert.deepEqual(senseOf(await write(p, 48, 32)), [5, 0x21, 2], 'half overwrite, half append');
    assert.deepEqual(senseOf(await write(p, 96, 32)), [5, 0x21, 2], 'beyond the NWA');
    assert.equal(senseOf(await write(p, 64, 32)), undefined, 'at the NWA');
    await p.close();

    // Sub-type 01b (SRM-POW): formatted with spares, 0038h not current, recorded blocks stay.
    const q = await open('virtual:bd-r');
    list[8] = (0x32 << 2) | 1;
    await must(q, '04 11 00 00 00 00', { out: list });
    assert.equal(await featureCurrent(q, growisofs.bdRPow.featureCode), false);
    assert.equal(senseOf(await write(q, 0, 32)), undefined);
    assert.deepEqual(senseOf(await write(q, 0, 32)), [5, 0x21, 2]);
    await q.close();
  });

  it('row 3: DVD+R DL layer boundary as the LG BT20N reports it; the host may move it while blank', async () => {
    const d = await open('virtual:dvd+r-dl');
    const read = async () =>
      decodeLayerBoundaryInformation(
        decodeReadDiscStructureData(
          await must(d, 'ad 00 00 00 00 00 00 20 00 0c 00 00', { alloc: 12 }),
        ).payload,
      );
    assert.deepEqual(await read(), bt20n.layerBoundary);
    // growisofs -dvd-compat: split a 1,200,000-block image evenly.
    const send20 = new Uint8Array([0, 10, 0, 0, 0, 0, 0, 0, ...[0x00, 0x09, 0x27, 0xc0]]);
    await must(d, 'bf 00 00 00 00 00 00 20 00 0c 00 00', { out: send20 });
    assert.deepEqual(await read(), { initStatus: true, l0DataZoneCapacity: 600000 });
    assert.equal((await trackInfo(d, 1)).freeBlocks, 1200000);
    assert.deepEqual(
      senseOf(await send(d, 'bf 00 00 00 00 00 00 20 00 0c 00 00', { out: send20 })),
      [5, 0x2c, 0],
    );
    await d.close();
  });

  it(`row 4: a blank DVD-R/-RW holds ${dvdMinus.freeBlocks} blocks (${dvdMinus.source.drive})`, async () => {
    for (const media of ['dvd-r', 'dvd-rw']) {
      const d = await open(`virtual:${media}`);
      assert.equal((await trackInfo(d, 1)).freeBlocks, dvdMinus.freeBlocks, media);
      await d.close();
    }
  });

  it(`row 5 and 12: DVD+R sessions ${nd1300a.sessionGap} blocks apart, ROM compatibility LBA (${sh224db.source.drive})`, async () => {
    const d = await open('virtual:dvd+r');
    const blank = await trackInfo(d, 1);
    for (const [k, v] of Object.entries(axd001.track1))
      assert.equal(blank[k as keyof typeof blank], v, k);
    for (let at = 0; at < 1000; at += 16) assert.equal(senseOf(await write(d, at, 16)), undefined);
    await must(d, '5b 00 01 00 00 01 00 00 00 00');
    await must(d, '5b 00 02 00 00 00 00 00 00 00');
    const t1 = await trackInfo(d, 1);
    const t2 = await trackInfo(d, 2);
    assert.equal(
      t2.logicalTrackStartAddress - (t1.logicalTrackStartAddress + t1.logicalTrackSize),
      sh224db.sessionGap,
    );
    assert.equal(t2.freeBlocks, t2.logicalTrackSize);
    assert.equal(t2.logicalTrackStartAddress + t2.freeBlocks, 2295104);
    assert.equal(t1.readCompatibilityLba, sh224db.track1.readCompatibilityLba);
    assert.equal(t2.readCompatibilityLba, sh224db.track2.readCompatibilityLba);
    await d.close();
  });

  it('row 2: a minimally blanked DVD-RW records DAO only, until a full blank (libburn cookbook)', async () => {
    const d = await open('virtual:dvd-rw');
    assert.equal(await featureCurrent(d, 0x0021), true);
    assert.equal(senseOf(await write(d, 0, 16)), undefined);
    await must(d, 'a1 01 00 00 00 00 00 00 00 00 00 00'); // BLANK minimal
    assert.equal(
      await featureCurrent(d, 0x0021),
      libburn.minimallyBlankedDvdRw.incrementalStreamingCurrent,
    );
    const s = libburn.minimallyBlankedDvdRw.incrementalWriteSense;
    assert.deepEqual(senseOf(await write(d, 0, 16)), [s.senseKey, s.asc, s.ascq]);
    // DAO: Write Type 2 in page 05, RESERVE TRACK, then the WRITE is taken.
    const page = (await must(d, '5a 08 05 00 00 00 00 00 40 00', { alloc: 64 })).slice();
    page.fill(0, 0, 8);
    page[8 + 2] = (page[8 + 2]! & ~0x0f) | 2;
    await must(d, `55 10 00 00 00 00 00 ${hexBe(page.length, 2)} 00`, { out: page });
    await must(d, `53 00 00 00 00 ${hexBe(32, 4)} 00`);
    assert.equal(senseOf(await write(d, 0, 16)), undefined);
    await must(d, 'a1 00 00 00 00 00 00 00 00 00 00 00'); // BLANK full
    assert.equal(await featureCurrent(d, 0x0021), true);
    await d.close();
  });

  it('row 6: DVD-RW offers 00h, 10h and 15h with the real parameters; FORMAT UNIT 00h is taken', async () => {
    const d = await open('virtual:dvd-rw');
    const list = listOf(await formatsOf(d)).map(({ formatType, typeDependentParameter }) => ({
      formatType,
      typeDependentParameter,
    }));
    assert.deepEqual(list, libburn.dvdRwTypes);
    const fmt = new Uint8Array([0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0x00, 0, 0x08, 0x00]);
    await must(d, '04 11 00 00 00 00', { out: fmt });
    const conf = await must(d, '46 00 00 00 00 00 00 00 08 00', { alloc: 8 });
    assert.equal((conf[6]! << 8) | conf[7]!, 0x0013, 'restricted overwrite');
    await d.close();
  });

  it('row 7 and 12: BD-RE and DVD-RAM format lists as libburn and the TSST SH-S182M have them', async () => {
    const bd = await open('virtual:bd-re');
    assert.deepEqual(listOf(await formatsOf(bd)), libburnBdRe.bdRe);
    await bd.close();
    const ram = await open('virtual:dvd-ram');
    const f = await formatsOf(ram);
    assert.equal(
      f.currentMaximumCapacity.numberOfBlocks,
      shS182m.readFormatCapacities.current.numberOfBlocks,
    );
    assert.equal(f.currentMaximumCapacity.descriptorType, CapacityDescriptorType.FORMATTED);
    assert.deepEqual(listOf(f), shS182m.readFormatCapacities.formattable);
    await ram.close();
  });

  it(`row 8: lists the features every DVD/BD drive lists (${features.source.drive})`, async () => {
    for (const media of ['dvd+r', 'bd-r', 'cd-rw', 'none']) {
      const d = await openVirtualDrive(`virtual:${media}`);
      const all = decodeGetConfigurationData(
        await must(d, '46 00 00 00 00 00 00 08 00 00', { alloc: 2048 }),
      );
      const codes = all.descriptors.map((x) => x.featureCode);
      for (const code of features.listed) assert.ok(codes.includes(code), `${media}: ${code}`);
      await d.close();
    }
    const ro = await open('virtual:dvd-rw?formatted=on');
    assert.equal(await featureCurrent(ro, 0x002c), true, 'Rigid Restricted Overwrite');
    await ro.close();
  });

  it('row 9: READ CD, MECHANISM STATUS and ATIP are answered', async () => {
    const d = await open('virtual:cd-r');
    const atip = decodeAtipData(await must(d, '43 02 04 00 00 00 00 00 1c 00', { alloc: 28 }));
    assert.equal(cdCommands.atipFormat, 4);
    assert.deepEqual(atip.startTimeOfLeadIn, cdCommands.startTimeOfLeadIn);
    assert.deepEqual(atip.lastPossibleStartOfLeadOut, cdCommands.lastPossibleStartOfLeadOut);
    for (const op of cdCommands.answered) {
      const r = await send(d, `${op.toString(16)} 00 00 00 00 00 00 00 00 00 00 00`, { alloc: 8 });
      assert.notDeepEqual(senseOf(r), [5, 0x20, 0], `opcode ${op.toString(16)}`);
    }
    assert.equal(atip.discTypeRewritable, false);
    assert.equal(senseOf(await write(d, 0, 4)), undefined);
    const data = await must(d, 'be 00 00 00 00 00 00 00 04 10 00 00', { alloc: 4 * 2048 });
    assert.deepEqual(data, block(4));
    // The whole sector of a TAO Mode 1 block: sync, header 00:02:00 mode 1, the data, EDC/ECC.
    const whole = await must(d, 'be 00 00 00 00 00 00 00 01 f8 00 00', { alloc: 2352 });
    assert.equal(whole.length, 2352);
    assert.deepEqual(
      [...whole.subarray(0, 16)],
      [0, ...new Array<number>(10).fill(0xff), 0, 0, 2, 0, 1],
    );
    assert.deepEqual(whole.subarray(16, 2064), block(1));
    const mech = decodeMechanismStatusData(
      await must(d, 'bd 00 00 00 00 00 00 00 00 08 00 00', { alloc: 8 }),
    );
    assert.deepEqual(
      [mech.doorOpen, mech.numberOfSlotsAvailable, mech.slotTableLength],
      [false, 0, 0],
    );
    await d.close();
    const rw = await open('virtual:cd-rw');
    const rwAtip = decodeAtipData(await must(rw, '43 02 04 00 00 00 00 00 1c 00', { alloc: 28 }));
    assert.equal(rwAtip.discTypeRewritable, true);
    await rw.close();
    const dvd = await open('virtual:dvd+r');
    assert.deepEqual(
      senseOf(await send(dvd, '43 02 04 00 00 00 00 00 1c 00', { alloc: 28 })),
      [5, 0x24, 0],
    );
    await dvd.close();
  });

  it(`row 10: the sense of ${gsaH31n.source.drive} and ${nd3540a.source.drive}`, async () => {
    const r = await open('virtual:dvd-r');
    const s = gsaH31n.readUnrecordedSense;
    assert.deepEqual(senseOf(await send(r, '28 00 00 00 00 00 00 00 01 00', { alloc: 2048 })), [
      s.senseKey,
      s.asc,
      s.ascq,
    ]);
    await r.close();
    const rw = await open('virtual:dvd+rw');
    const b = nd3540a.blankSense;
    assert.deepEqual(senseOf(await send(rw, 'a1 00 00 00 00 00 00 00 00 00 00 00')), [
      b.senseKey,
      b.asc,
      b.ascq,
    ]);
    await rw.close();
  });

  it('row 11: a full buffer holds the WRITE by default; full=busy answers 02/04/08 (Pioneer)', async () => {
    assert.equal(growisofs.fullBuffer, 'block');
    const clock = new VirtualClock();
    const d = await open('virtual:dvd+r?speed=1x&buffer=64k', clock);
    assert.equal(senseOf(await write(d, 0, 32)), undefined);
    assert.equal(senseOf(await write(d, 32, 16)), undefined);
    assert.ok(clock.now() > 23, 'the second WRITE waited for room');
    await d.close();
    const p = await open('virtual:dvd+r?speed=1x&buffer=64k&full=busy', new VirtualClock());
    assert.equal(senseOf(await write(p, 0, 32)), undefined);
    assert.deepEqual(senseOf(await write(p, 32, 16)), [2, 4, 8]);
    await p.close();
  });

  it('row 12: an unformatted DVD+RW has no NWA; the first DVD-R border is 28,688 blocks', async () => {
    const plus = await open('virtual:dvd+rw');
    assert.equal((await trackInfo(plus, 1)).nwaV, smaller.blankDvdPlusRwNwaV);
    await plus.close();
    const d = await open('virtual:dvd-r');
    const page = (await must(d, '5a 08 05 00 00 00 00 00 40 00', { alloc: 64 })).slice();
    page.fill(0, 0, 8);
    page[8 + 3] = (page[8 + 3]! & 0x3f) | 0xc0; // Multi-session: next session allowed
    await must(d, `55 10 00 00 00 00 00 ${hexBe(page.length, 2)} 00`, { out: page });
    assert.equal(senseOf(await write(d, 0, 16)), undefined);
    await must(d, '5b 00 01 00 00 01 00 00 00 00');
    await must(d, '5b 00 02 00 00 00 00 00 00 00');
    assert.equal(
      (await trackInfo(d, 2)).logicalTrackStartAddress,
      16 + smaller.firstDvdMinusRBorder,
    );
    await d.close();
  });

  it('a minimally blanked DVD-RW and a BD-R formatted SRM+POW keep their state across reopening the image', async () => {
    const rw = `virtual:dvd-rw?image=${join(dir, 'dvd-rw-minimal.img')}`;
    let d = await open(rw);
    assert.equal(senseOf(await write(d, 0, 16)), undefined);
    await must(d, 'a1 01 00 00 00 00 00 00 00 00 00 00'); // BLANK minimal
    await d.close();
    d = await open(rw);
    const s = libburn.minimallyBlankedDvdRw.incrementalWriteSense;
    assert.equal(
      await featureCurrent(d, 0x0021),
      libburn.minimallyBlankedDvdRw.incrementalStreamingCurrent,
    );
    assert.deepEqual(senseOf(await write(d, 0, 16)), [s.senseKey, s.asc, s.ascq]);
    await must(d, 'a1 00 00 00 00 00 00 00 00 00 00 00'); // BLANK full
    await d.close();
    d = await open(rw);
    assert.equal(await featureCurrent(d, 0x0021), true, 'a full blank is kept too');
    assert.equal(senseOf(await write(d, 0, 16)), undefined);
    await d.close();

    const bdr = `virtual:bd-r?image=${join(dir, 'bd-r-pow.img')}`;
    d = await open(bdr);
    const list = new Uint8Array([0, 0, 0, 8, ...[0x00, 0xb8, 0x74, 0x00], 0x32 << 2, 0, 0, 0]);
    await must(d, '04 11 00 00 00 00', { out: list });
    assert.equal(senseOf(await write(d, 0, 32)), undefined);
    await d.close();
    d = await open(bdr);
    assert.equal(await featureCurrent(d, growisofs.bdRPow.featureCode), true);
    const patch = new Uint8Array(16 * 2048).fill(0x5a);
    assert.equal(
      senseOf(await send(d, '2a 00 00 00 00 10 00 00 10 00', { out: patch })),
      undefined,
    );
    await d.close();
    d = await open(bdr);
    assert.deepEqual(await must(d, '28 00 00 00 00 10 00 00 10 00', { alloc: 16 * 2048 }), patch);
    assert.equal((await trackInfo(d, 1)).nextWritableAddress, 32);
    await d.close();
  });

  it('a formatted BD-R and a moved DVD+R DL layer boundary survive reopening the image', async () => {
    const bdr = `virtual:bd-r?image=${join(dir, 'bd-r.img')}`;
    let d = await open(bdr);
    const list = new Uint8Array([0, 0, 0, 8, ...[0x00, 0xb8, 0x74, 0x00], 0x32 << 2, 0, 0, 0]);
    await must(d, '04 11 00 00 00 00', { out: list });
    await d.close();
    d = await open(bdr);
    const f = await formatsOf(d);
    assert.equal(f.currentMaximumCapacity.descriptorType, CapacityDescriptorType.FORMATTED);
    assert.equal(f.currentMaximumCapacity.numberOfBlocks, srmPow.formattedCapacity);
    await d.close();
    const dl = `virtual:dvd+r-dl?image=${join(dir, 'dl.img')}`;
    d = await open(dl);
    const send20 = new Uint8Array([0, 10, 0, 0, 0, 0, 0, 0, ...[0x00, 0x09, 0x27, 0xc0]]);
    await must(d, 'bf 00 00 00 00 00 00 20 00 0c 00 00', { out: send20 });
    await d.close();
    d = await open(dl);
    const lb = decodeLayerBoundaryInformation(
      decodeReadDiscStructureData(
        await must(d, 'ad 00 00 00 00 00 00 20 00 0c 00 00', { alloc: 12 }),
      ).payload,
    );
    assert.deepEqual(lb, { initStatus: true, l0DataZoneCapacity: 600000 });
    await d.close();
  });
});
