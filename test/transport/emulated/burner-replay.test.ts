// Real burners against the virtual drive: what growisofs (dvd+rw-tools 7.1) and libburn (xorriso /
// cdrskin 1.5.4) send, replayed CDB by CDB. The sequences are those recorded from the tools in the
// peer VM (../shared/tools/peer-vm/README.md, "What each tool sends") and, where the recording
// has no such disc (BD-R), the order of commands in growisofs' source (growisofs_mmc.cpp: probe,
// bd_r_format, poor_mans_setup, bd_r_finalize). Each step checks what the tool checks, so a
// drive answer that would stop the tool fails here. Until the virtual drive is served over iSCSI
// (a later issue) and the tools run against it in the guest, this is the check with a real burner.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openVirtualDrive } from '../../../src/testing/index.js';
import type { VirtualDrive } from '../../../src/testing/index.js';
import * as growisofs from '../../fixtures/drives/dvd+rw-tools/growisofs.js';
import { hexBe, must, send, senseOf, u32, waitForUnit } from '../../helpers/replay.js';

/** Block `lba` of the image a burner writes: its LBA in every 4 bytes. */
function imageBlocks(lba: number, count: number): Uint8Array {
  const out = new Uint8Array(count * 2048);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    for (let o = 0; o < 2048; o += 4) view.setUint32(i * 2048 + o, (lba + i) ^ o);
  }
  return out;
}

/** growisofs' probe (get_mmc_profile): INQUIRY, current profile, disc information. */
async function growisofsProbe(d: VirtualDrive): Promise<{ profile: number; blank: boolean }> {
  await waitForUnit(d); // the kernel's sr driver opened the device first
  const inq = await must(d, '12 00 00 00 24 00', { alloc: 36 });
  assert.equal(inq[0]! & 0x1f, 5, 'an MMC unit');
  const conf = await must(d, '46 00 00 00 00 00 00 00 08 00', { alloc: 8 });
  const profile = (conf[6]! << 8) | conf[7]!;
  const di = await must(d, '51 00 00 00 00 00 00 00 20 00', { alloc: 32 });
  return { profile, blank: (di[2]! & 3) === 0 };
}

/** growisofs' READ FORMAT CAPACITIES: header first, then the whole list, lengths checked. */
async function growisofsFormats(d: VirtualDrive): Promise<Uint8Array> {
  const head = await must(d, '23 00 00 00 00 00 00 00 0c 00', { alloc: 12 });
  const len = head[3]!;
  assert.ok(len % 8 === 0 && len >= 16, `FORMAT allocation length isn't sane: ${len}`);
  const all = await must(d, `23 00 00 00 00 00 00 ${hexBe(4 + len, 2)} 00`, { alloc: 4 + len });
  assert.equal(all[3], len, 'parameter length inconsistency');
  return all;
}

/** page05_setup (dvd+rw-tools transport.hxx): MODE SENSE page 05, the tool's changes, MODE SELECT. */
async function growisofsPage05(d: VirtualDrive, p32: number): Promise<void> {
  const track = await must(d, '52 01 00 00 00 01 00 00 20 00', { alloc: 32 });
  const header = await must(d, '5a 08 05 00 00 00 00 00 0c 00', { alloc: 12 });
  const len = ((header[0]! << 8) | header[1]!) + 2;
  const page = (await must(d, `5a 08 05 00 00 00 00 ${hexBe(len, 2)} 00`, { alloc: len })).slice();
  assert.equal((page[6]! << 8) | page[7]!, 0, 'no block descriptors (DBD)');
  const p = page.subarray(8);
  page.fill(0, 0, 8);
  p[0]! &= 0x7f;
  p[2] = (p[2]! & ~0x1f) | (p32 & 0x1f) | 0x40; // Test Write + Write Type from p32, BUFE on
  p[2] &= ~0x20; // no Link Size
  p[5] = 0;
  p[3] = (p[3]! & ~0x0f) | (track[5]! & 0x0f); // Track Mode as the track reports it
  p[3] = (p[3] & ~0xc0) | (p32 & 0xc0); // Multi-session
  assert.ok((track[6]! & 0x0f) === 1 || (track[6]! & 0x0f) === 0x0f, 'a Mode 1 track');
  p[4] = 8; // Data Block Type: Mode 1
  p[3] &= ~0x20; // variable packets (the track is not fixed-packet)
  p.fill(0, 10, 14);
  p[8] = 0;
  await must(d, `55 10 00 00 00 00 00 ${hexBe(page.length, 2)} 00`, { out: page });
}

/** The speed setup growisofs does for every DVD/BD (page 2Ah, write speed descriptors). */
async function growisofsSpeed(d: VirtualDrive): Promise<void> {
  const head = await must(d, '5a 08 2a 00 00 00 00 00 0c 00', { alloc: 12 });
  const len = ((head[0]! << 8) | head[1]!) + 2;
  await must(d, `5a 08 2a 00 00 00 00 ${hexBe(len, 2)} 00`, { alloc: len });
  await must(d, 'ac 00 00 00 00 00 00 00 00 01 03 00', { alloc: 8 + 16 });
}

/**
 * growisofs' pseudo-overwrite probe (get_mmc_profile, BD-R SRM): GET CONFIGURATION RT=2 from
 * 0038h with 16 bytes; POW when the data length is at least 12 and the descriptor is current.
 */
async function growisofsPow(d: VirtualDrive): Promise<boolean> {
  const { featureCode, allocationLength, minimumDataLength } = growisofs.bdRPow;
  const conf = await must(
    d,
    `46 02 ${hexBe(featureCode, 2)} 00 00 00 ${hexBe(allocationLength, 2)} 00`,
    {
      alloc: allocationLength,
    },
  );
  assert.ok(u32(conf, 0) >= minimumDataLength, 'the 0038h descriptor is listed');
  assert.equal((conf[8]! << 8) | conf[9]!, featureCode);
  return (conf[8 + 2]! & 1) === 1;
}

/** The next writable address growisofs starts from (READ TRACK INFORMATION, NWA_V). */
async function nextWritable(d: VirtualDrive, track = 1): Promise<number> {
  const t = await must(d, `52 01 00 00 ${hexBe(track, 2)} 00 00 20 00`, { alloc: 32 });
  assert.equal(t[7]! & 1, 1, 'NWA_V');
  return u32(t, 12);
}

/** builtin_dd: WRITE(10) of `per` blocks, READ BUFFER CAPACITY every 64 WRITEs. */
async function writeImage(
  d: VirtualDrive,
  nwa: number,
  blocks: number,
  per: number,
): Promise<void> {
  for (let at = 0, n = 0; at < blocks; at += per, n++) {
    const count = Math.min(per, blocks - at);
    const r = await send(d, `2a 00 ${hexBe(nwa + at, 4)} 00 ${hexBe(count, 2)} 00`, {
      out: imageBlocks(nwa + at, count),
    });
    assert.equal(senseOf(r), undefined, `WRITE at ${nwa + at}`);
    if (n % 64 === 63) await must(d, '5c 00 00 00 00 00 00 00 0c 00', { alloc: 12 });
  }
}

/** flush_cache: SYNCHRONIZE CACHE with IMMED, wait, then without. */
async function flush(d: VirtualDrive): Promise<void> {
  await must(d, '35 02 00 00 00 00 00 00 00 00');
  await waitForUnit(d);
  await must(d, '35 00 00 00 00 00 00 00 00 00');
}

/** media_reload: eject and load, then wait for the new medium. */
async function reload(d: VirtualDrive): Promise<void> {
  await must(d, '1e 00 00 00 00 00');
  await must(d, '1b 00 00 00 02 00');
  await must(d, '1b 00 00 00 03 00');
  await waitForUnit(d);
}

async function assertReadsBack(d: VirtualDrive, lba: number, blocks: number): Promise<void> {
  for (let at = 0; at < blocks; at += 16) {
    const n = Math.min(16, blocks - at);
    const data = await must(d, `28 00 ${hexBe(lba + at, 4)} 00 ${hexBe(n, 2)} 00`, {
      alloc: n * 2048,
    });
    assert.deepEqual(data, imageBlocks(lba + at, n), `blocks ${lba + at}..`);
  }
}

describe('growisofs and libburn replayed against the virtual drive', () => {
  it('growisofs -dvd-compat -Z on a blank DVD+R (peer-vm README sequence)', async () => {
    const d = await openVirtualDrive('virtual:dvd+r');
    const { profile, blank } = await growisofsProbe(d);
    assert.deepEqual([profile, blank], [0x1b, true]);
    const t1 = await must(d, '52 01 00 00 00 01 00 00 20 00', { alloc: 32 });
    assert.equal(u32(t1, 12) + u32(t1, 16), 2295104, 'capacity = NWA + free blocks');
    await must(d, '1e 00 00 00 01 00'); // PREVENT MEDIUM REMOVAL
    await growisofsPage05(d, 0x02); // -dvd-compat: single session, write type 2
    await growisofsSpeed(d);
    const nwa = await nextWritable(d);
    assert.equal(nwa, 0);
    await writeImage(d, nwa, 1100, 16);
    // plus_r_finalize: flush, CLOSE TRACK (IMMED), close disc (110b), reload.
    await flush(d);
    await must(d, '5b 01 01 00 00 01 00 00 00 00');
    await waitForUnit(d);
    await must(d, '5b 01 06 00 00 00 00 00 00 00');
    await waitForUnit(d);
    await reload(d);
    const di = await must(d, '51 00 00 00 00 00 00 00 20 00', { alloc: 32 });
    assert.equal(di[2]! & 3, 2, 'the disc is complete');
    const cap = await must(d, '25 00 00 00 00 00 00 00 00 00', { alloc: 8 });
    assert.equal(u32(cap, 0), 1103, 'the track is padded to its ECC block');
    await assertReadsBack(d, 0, 1100);
    await d.close();
  });

  it('growisofs -Z on a blank BD-R: formats with the largest 32h descriptor, then writes (growisofs_mmc.cpp)', async () => {
    const d = await openVirtualDrive('virtual:bd-r');
    const { profile, blank } = await growisofsProbe(d);
    assert.deepEqual([profile, blank], [0x41, true]);
    // get_mmc_profile asks for BD-R Pseudo-Overwrite (0038h): listed, not current on a blank
    // disc, so bdr_plus_pow stays 0 for this whole run (it is read before formatting).
    assert.equal(await growisofsPow(d), false);
    const formats = await growisofsFormats(d);
    assert.equal(formats[8]! & 3, 1, 'unformatted');
    // bd_r_format with spare = 0: the 32h descriptor of the largest capacity.
    let best = 0;
    let at = 0;
    for (let j = 8; j < formats[3]!; j += 8) {
      const f = formats.subarray(4 + j);
      if (f[4]! >> 2 === 0x32 && u32(f, 0) > best) [best, at] = [u32(f, 0), 4 + j];
    }
    assert.ok(at !== 0, "can't locate format 0x32 descriptor");
    assert.equal(best, 12088320);
    await must(d, '1e 00 00 00 01 00');
    const descriptor = new Uint8Array(12);
    descriptor.set([0x00, 0x02, 0x00, 0x08]); // IMMED, one 8-byte descriptor
    descriptor.set(formats.subarray(at, at + 5), 4);
    descriptor[8]! &= ~3; // Format Sub-type 00b: SRM+POW
    await must(d, '04 11 00 00 00 00', { out: descriptor });
    await waitForUnit(d);
    await must(d, '35 00 00 00 00 00 00 00 00 00');
    await growisofsSpeed(d);
    const nwa = await nextWritable(d);
    const t1 = await must(d, '52 01 00 00 00 01 00 00 20 00', { alloc: 32 });
    assert.equal(nwa + u32(t1, 16), 12088320, 'the formatted capacity');
    await writeImage(d, nwa, 2000, 32);
    // bd_r_finalize without POW: flush, CLOSE TRACK, CLOSE SESSION, reload.
    await flush(d);
    await must(d, '5b 01 01 00 00 01 00 00 00 00');
    await waitForUnit(d);
    await must(d, '5b 01 02 00 00 00 00 00 00 00');
    await waitForUnit(d);
    await reload(d);
    const di = await must(d, '51 00 00 00 00 00 00 00 20 00', { alloc: 32 });
    assert.equal(di[2]! & 3, 1, 'appendable');
    await assertReadsBack(d, 0, 2000);
    // A second growisofs -M finds the next session right after the first (BD has no gap).
    assert.equal(await nextWritable(d, 2), 2016);

    // growisofs -M on the now SRM+POW disc: 0038h is current, so bdr_plus_pow = 1 and
    // poor_man_rewritable treats the BD-R as rewritable: flush, read the volume descriptors at
    // LBA 16, append the new data, flush, then copy the new descriptors over LBA 16 — a write
    // over recorded blocks that only pseudo-overwrite lets through.
    const again = await growisofsProbe(d);
    assert.deepEqual([again.profile, again.blank], [0x41, false]);
    assert.equal(await growisofsPow(d), true);
    await flush(d);
    const vd = growisofs.bdRPow;
    await must(
      d,
      `28 00 ${hexBe(vd.volumeDescriptorLba, 4)} 00 ${hexBe(vd.volumeDescriptorBlocks, 2)} 00`,
      {
        alloc: vd.volumeDescriptorBlocks * 2048,
      },
    );
    await growisofsSpeed(d);
    await writeImage(d, 2016, 512, 32);
    await flush(d);
    const descriptors = imageBlocks(900000, vd.volumeDescriptorBlocks);
    const r = await send(
      d,
      `2a 00 ${hexBe(vd.volumeDescriptorLba, 4)} 00 ${hexBe(vd.volumeDescriptorBlocks, 2)} 00`,
      {
        out: descriptors,
      },
    );
    assert.equal(senseOf(r), undefined, 'the volume descriptor copy over LBA 16');
    await flush(d);
    await reload(d);
    // The new descriptors read back where growisofs wrote them; the rest of both sessions holds.
    assert.deepEqual(
      await must(
        d,
        `28 00 ${hexBe(vd.volumeDescriptorLba, 4)} 00 ${hexBe(vd.volumeDescriptorBlocks, 2)} 00`,
        {
          alloc: vd.volumeDescriptorBlocks * 2048,
        },
      ),
      descriptors,
    );
    await assertReadsBack(d, 0, 16);
    await assertReadsBack(d, 32, 2000 - 32);
    await assertReadsBack(d, 2016, 512);
    await d.close();
  });

  it('xorriso -as cdrecord -tao (libburn) on a blank DVD+R (peer-vm README sequence)', async () => {
    const d = await openVirtualDrive('virtual:dvd+r');
    await waitForUnit(d);
    await must(d, '46 00 00 00 00 00 00 00 08 00', { alloc: 8 });
    await must(d, '51 00 00 00 00 00 00 00 22 00', { alloc: 34 });
    const nwa = await nextWritable(d);
    // SET STREAMING: a performance descriptor for the whole disc, 1x-ish read and write.
    const perf = new Uint8Array(28);
    const pv = new DataView(perf.buffer);
    pv.setUint32(8, 2295103);
    pv.setUint32(12, 11080);
    pv.setUint32(16, 1000);
    pv.setUint32(20, 11080);
    pv.setUint32(24, 1000);
    await must(d, 'b6 00 00 00 00 00 00 00 00 00 1c 00', { out: perf });
    // 300 KiB of padding rounded up to 32 KiB: the track is 160 blocks longer than the image.
    await writeImage(d, nwa, 1000 + 160, 16);
    await must(d, '35 02 00 00 00 00 00 00 00 00');
    await waitForUnit(d);
    await must(d, '5b 01 01 00 00 01 00 00 00 00');
    await waitForUnit(d);
    await must(d, '5b 01 05 00 00 00 00 00 00 00'); // close function 101b: finalize
    await waitForUnit(d);
    await assertReadsBack(d, 0, 1160);
    await d.close();
  });

  it('cdrskin (libburn) SAO on a blank DVD+R: RESERVE TRACK first, as tgt cannot', async () => {
    const d = await openVirtualDrive('virtual:dvd+r');
    await waitForUnit(d);
    await must(d, `53 00 00 00 00 ${hexBe(1008, 4)} 00`);
    const t1 = await must(d, '52 01 00 00 00 01 00 00 20 00', { alloc: 32 });
    assert.equal(u32(t1, 24), 1008, 'reserved size');
    await writeImage(d, 0, 1008, 16);
    await flush(d);
    await must(d, '5b 01 01 00 00 01 00 00 00 00');
    await must(d, '5b 01 05 00 00 00 00 00 00 00');
    await waitForUnit(d);
    await assertReadsBack(d, 0, 1008);
    await d.close();
  });

  it('libburn on a blank CD-R: reads the ATIP and the mechanism status', async () => {
    const d = await openVirtualDrive('virtual:cd-r');
    await waitForUnit(d);
    await must(d, 'bd 00 00 00 00 00 00 00 00 08 00 00', { alloc: 8 });
    const atip = await must(d, '43 02 04 00 00 00 00 00 20 00', { alloc: 32 });
    // Start of lead-in 97:26:66, last possible start of lead-out 79:59:74.
    assert.deepEqual([...atip.subarray(8, 11)], [97, 26, 66]);
    assert.deepEqual([...atip.subarray(12, 15)], [79, 59, 74]);
    await d.close();
  });
});
