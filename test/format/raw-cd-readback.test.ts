// Raw DAO read back on the virtual CD-R at the CDB level: an image built by RawCDImageCreator
// (data + audio with an index, MCN, ISRC) written raw from the lead-in and from −150; READ TOC
// format 0 equals the creator's expectedTableOfContents, READ CD's raw P-W equals the image's
// sub-channel byte for byte, READ SUB-CHANNEL finds the MCN and ISRC the image carries.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DiscFormat2RawCD, CdSectorType, RawCDImageCreator } from '../../src/format/index.js';
import { readCd } from '../../src/scsi/mmc/read-cd.js';
import {
  decodeFormattedToc,
  decodeRawToc,
  readTocPmaAtip,
} from '../../src/scsi/mmc/read-toc-pma-atip.js';
import { decodeReadSubChannelData, readSubChannel } from '../../src/scsi/mmc/read-sub-channel.js';
import { rig } from '../helpers/recorder.js';

async function build(leadInStartLba?: number) {
  const c = new RawCDImageCreator();
  c.mediaCatalogNumber = '4006381333931';
  const data = Uint8Array.from({ length: 300 * 2048 }, (_, i) => (i * 5 + (i >> 11)) & 0xff);
  const audio = Uint8Array.from({ length: 400 * 2352 }, (_, i) => (i * 3 + (i >> 10)) & 0xff);
  await c.addTrack(CdSectorType.MODE1, data);
  await c.addTrack(CdSectorType.AUDIO, audio);
  const t2 = c.trackInfo(2);
  t2.isrc = 'USRC17607839';
  t2.addTrackIndex(200);
  const image = c.createResultImage(leadInStartLba === undefined ? {} : { leadInStartLba });
  const bytes = new Uint8Array(image.sectorCount * image.bytesPerSector);
  let at = 0;
  for await (const chunk of image) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { c, image, bytes };
}

for (const fromLeadIn of [false, true]) {
  describe(`raw DAO read back (${fromLeadIn ? 'from the lead-in' : 'from -150'})`, () => {
    it('READ TOC, READ CD sub-channel and READ SUB-CHANNEL answer what the image holds', async () => {
      const r = await rig('virtual:cd-r');
      const raw = new DiscFormat2RawCD({ clock: r.clock });
      await raw.setRecorder(r.recorder);
      await raw.prepareMedia();
      const first = fromLeadIn ? raw.startOfNextSession : -150;
      const { c, image, bytes } = await build(fromLeadIn ? first : undefined);
      if (fromLeadIn) await raw.writeMedia2(image, -150 - first);
      else await raw.writeMedia(image);
      const x = async (cmd: Parameters<typeof r.recorder.executeCommand>[0]) =>
        (await r.recorder.executeCommand(cmd)).dataIn;
      const toc = decodeFormattedToc(await x(readTocPmaAtip({ format: 0, allocationLength: 100 })));
      assert.deepEqual(toc, c.expectedTableOfContents);
      const full = decodeRawToc(await x(readTocPmaAtip({ format: 2, allocationLength: 200 })));
      const a2 = full.descriptors.find((d) => d.point === 0xa2)!;
      const leadOut = toc.descriptors[toc.descriptors.length - 1]!.trackStartAddress;
      assert.equal((a2.pmin * 60 + a2.psec) * 75 + a2.pframe - 150, leadOut);
      for (const lba of [-150, -1, 0, 149, 299, 300, 450, 650, 849]) {
        const d = await x(
          readCd({
            lba,
            transferLength: 1,
            userData: true,
            subChannelSelection: 1,
            bytesPerSector: 2448,
            sync: true,
            headerCodes: 3,
            edcEcc: true,
          }),
        );
        const at = (lba - first) * 2448;
        assert.deepEqual(d, bytes.subarray(at, at + 2448), `sector ${lba}`);
      }
      const mcn = decodeReadSubChannelData(await x(readSubChannel({ format: 2 })));
      assert.deepEqual(mcn.data, { format: 2, mediaCatalogNumber: '4006381333931' });
      const isrc = decodeReadSubChannelData(await x(readSubChannel({ format: 3, trackNumber: 2 })));
      assert.equal(isrc.data?.format === 3 ? isrc.data.isrc : undefined, 'USRC17607839');
      await raw.releaseMedia();
    });
  });
}
