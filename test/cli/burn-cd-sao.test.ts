// `discwright burn --cue <sheet> --sao` spawned as a user runs it over an image-backed virtual
// CD-R: the cue sheet goes by SEND CUE SHEET (Write Type SAO), the sectors from −150; the disc is
// then opened again and read back at the CDB level: READ CD's main channel against the image
// RawCDImageCreator builds from the same sheet, READ TOC formats 0 and 5 (CD-TEXT), READ
// SUB-CHANNEL's MCN and ISRC, and `info` reports the disc complete.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';
import { assertMixedCuePlayerView, writeMixedCueBin } from '../helpers/cue-bin.js';
import { DiscRecorder } from '../../src/device/recorder.js';
import { openVirtualDrive } from '../../src/transport/emulated/index.js';
import { cueImageCreator } from '../../src/format/index.js';
import { readCd } from '../../src/scsi/mmc/read-cd.js';

const { imagePath: image, filePath } = scratchImages('discwright-burn-cd-sao-');

describe('discwright burn --cue --sao', () => {
  it('writes a CUE/BIN session-at-once; READ CD, READ TOC 0/5 and READ SUB-CHANNEL read it back', async () => {
    await writeMixedCueBin(filePath);
    const img = image();
    const address = `virtual:cd-r?image=${img}`;
    const r = await run(['burn', address, '--cue', filePath('disc.cue'), '--sao']);
    assert.equal(r.code, 0, r.stderr.toString());
    assert.match(r.stdout.toString(), /session-at-once/);

    const { creator } = await cueImageCreator(filePath('disc.cue'));
    const built = creator.createResultImage();
    const bytes = new Uint8Array(built.sectorCount * 2448);
    let at = 0;
    for await (const c of built) {
      bytes.set(c, at);
      at += c.length;
    }
    const rec = await DiscRecorder.fromTransport(await openVirtualDrive(address));
    const end = creator.startOfLeadout;
    for (let lba = 0; lba < end; lba += 20) {
      const n = Math.min(20, end - lba);
      const res = await rec.executeCommand(
        readCd({
          lba,
          transferLength: n,
          sync: true,
          headerCodes: 3,
          userData: true,
          edcEcc: true,
          bytesPerSector: 2352,
        }),
      );
      for (let i = 0; i < n; i++) {
        const from = (lba + i + 150) * 2448;
        const want = bytes.subarray(from, from + 2352);
        if (!Buffer.from(res.dataIn.subarray(i * 2352, (i + 1) * 2352)).equals(want)) {
          assert.fail(`main channel of LBA ${lba + i} differs from the image`);
        }
      }
    }
    await assertMixedCuePlayerView(rec, creator.expectedTableOfContents);
    await rec.close();

    const info = await run(['info', address]);
    assert.equal(info.code, 0, info.stderr.toString());
    assert.match(info.stdout.toString(), /^status: +complete, last session complete, 1 session/m);
    assert.match(
      info.stdout.toString(),
      /^track 02: +audio at LBA 450, 350 sectors; indexes at 750; ISRC USABC1234567; "Song"$/m,
    );

    const usage = await run(['burn', 'virtual:cd-r', '--audio', filePath('data.bin'), '--sao']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr.toString(), /--sao goes with --cue or --audio --dao/);
  });
});
