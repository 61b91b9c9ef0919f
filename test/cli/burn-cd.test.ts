// `discwright burn --cue` / `--audio` spawned as a user runs it, over image-backed virtual CD-Rs;
// the disc is then opened again and read back at the CDB level: READ CD main channel and raw P-W
// against the image RawCDImageCreator builds from the same sheet, READ TOC formats 0 and 5
// (CD-TEXT), READ SUB-CHANNEL's MCN and ISRC; TAO audio read back as PCM; usage errors exit 2.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { jsonLines, run } from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';
import { assertMixedCuePlayerView, noise, writeMixedCueBin } from '../helpers/cue-bin.js';
import { DiscRecorder } from '../../src/device/recorder.js';
import { openVirtualDrive } from '../../src/transport/emulated/index.js';
import { cueImageCreator } from '../../src/format/index.js';
import { readCd } from '../../src/scsi/mmc/read-cd.js';
import { readTocPmaAtip, decodeFormattedToc } from '../../src/scsi/mmc/read-toc-pma-atip.js';
import { decodeCdTextTocData } from '../../src/scsi/mmc/read-toc-cd-text.js';
import { decodeCdText } from '../../src/scsi/cd/cd-text.js';
import { decodeReadSubChannelData, readSubChannel } from '../../src/scsi/mmc/read-sub-channel.js';

const { imagePath: image, filePath } = scratchImages('discwright-burn-cd-');

async function reopen(img: string): Promise<DiscRecorder> {
  const drive = await openVirtualDrive(`virtual:cd-r?image=${img}`);
  return DiscRecorder.fromTransport(drive);
}

async function readSectors(r: DiscRecorder, lba: number, count: number, sub: boolean) {
  const per = sub ? 2448 : 2352;
  const out = new Uint8Array(count * per);
  for (let s = 0; s < count; s += 20) {
    const n = Math.min(20, count - s);
    const res = await r.executeCommand(
      readCd({
        lba: lba + s,
        transferLength: n,
        sync: true,
        headerCodes: 3,
        userData: true,
        edcEcc: true,
        subChannelSelection: sub ? 1 : 0,
        bytesPerSector: per,
      }),
    );
    out.set(res.dataIn, s * per);
  }
  return out;
}

describe('discwright burn --cue / --audio', () => {
  it('burns a CUE/BIN raw from the lead-in; READ CD, READ TOC 0/5 and READ SUB-CHANNEL read it back', async () => {
    await writeMixedCueBin(filePath);
    const img = image();
    const r = await run([
      'burn',
      `virtual:cd-r?image=${img}`,
      '--cue',
      filePath('disc.cue'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr.toString());
    const result = jsonLines(r.stdout).at(-1)!;
    assert.equal(result.result, 'ok');

    const { creator } = await cueImageCreator(filePath('disc.cue'));
    const built = creator.createResultImage({ leadInStartLba: -11634 });
    const bytes = new Uint8Array(built.sectorCount * 2448);
    let at = 0;
    for await (const c of built) {
      bytes.set(c, at);
      at += c.length;
    }
    const rec = await reopen(img);
    const end = creator.startOfLeadout;
    const back = await readSectors(rec, 0, end, true);
    const from = (0 - built.startLba) * 2448;
    assert.ok(
      Buffer.from(back).equals(Buffer.from(bytes.subarray(from, from + end * 2448))),
      'main channel and raw P-W equal the image from LBA 0 to the lead-out',
    );
    const text = await assertMixedCuePlayerView(rec, creator.expectedTableOfContents);
    assert.equal(text.album.performer, 'Band');
    await rec.close();

    // info reads the same back: tracks, the index found in Q, ISRC, MCN, CD-TEXT.
    const info = await run(['info', `virtual:cd-r?image=${img}`]);
    assert.equal(info.code, 0, info.stderr.toString());
    const text2 = info.stdout.toString();
    assert.match(text2, /^MCN: +0123456789012$/m);
    assert.match(text2, /^CD-TEXT: +Album \/ Band$/m);
    assert.match(text2, /^track 01: +data at LBA 0, 450 sectors$/m);
    assert.match(
      text2,
      /^track 02: +audio at LBA 450, 350 sectors; indexes at 750; ISRC USABC1234567; "Song"$/m,
    );
    assert.match(text2, /^track 03: +audio at LBA 800, 300 sectors; "Other"$/m);
    assert.match(text2, /^lead-out: +LBA 1100$/m);

    // read --raw: the rip of what was written, 2448 and 2352 bytes a sector.
    for (const size of [2448, 2352]) {
      const out = filePath(`rip-${size}.bin`);
      const rip = await run([
        'read',
        `virtual:cd-r?image=${img}`,
        '--lba',
        '440',
        '--blocks',
        '25',
        '--raw',
        String(size),
        '-o',
        out,
      ]);
      assert.equal(rip.code, 0, rip.stderr.toString());
      const got = await readFile(out);
      assert.equal(got.length, 25 * size);
      for (let i = 0; i < 25; i++) {
        const want = bytes.subarray(from + (440 + i) * 2448, from + (440 + i) * 2448 + size);
        assert.ok(got.subarray(i * size, (i + 1) * size).equals(want), `rip sector ${440 + i}`);
      }
    }
    const bad = await run(['read', 'virtual:cd-r', '--lba', '0', '--blocks', '1', '--raw', '2048']);
    assert.equal(bad.code, 2);
  });

  it('burns audio track-at-once (WAVE and PCM) and with --dao --cd-text; the PCM reads back', async () => {
    const a = noise(300 * 2352, 9);
    const b = noise(310 * 2352, 11);
    await writeFile(filePath('a.pcm'), a);
    await writeFile(filePath('b.pcm'), b);
    const img = image();
    const tao = await run([
      'burn',
      `virtual:cd-r?image=${img}`,
      '--audio',
      filePath('a.pcm'),
      filePath('b.pcm'),
    ]);
    assert.equal(tao.code, 0, tao.stderr.toString());
    assert.match(tao.stdout.toString(), /^track 1: audio at LBA 0$/m);
    const m = /^track 2: audio at LBA (\d+)$/m.exec(tao.stdout.toString());
    assert.ok(m !== null, tao.stdout.toString());
    const rec = await reopen(img);
    const one = await readSectors(rec, 0, 300, false);
    assert.ok(Buffer.from(one).equals(Buffer.from(a)));
    const two = await readSectors(rec, Number(m[1]), 310, false);
    assert.ok(Buffer.from(two).equals(Buffer.from(b)));
    await rec.close();

    await writeFile(
      filePath('text.json'),
      JSON.stringify({
        album: { title: 'Live', performer: 'Us' },
        tracks: [{ title: 'A' }, { title: 'B' }],
      }),
    );
    const img2 = image();
    const dao = await run([
      'burn',
      `virtual:cd-r?image=${img2}`,
      '--audio',
      filePath('a.pcm'),
      filePath('b.pcm'),
      '--dao',
      '--cd-text',
      filePath('text.json'),
    ]);
    assert.equal(dao.code, 0, dao.stderr.toString());
    assert.match(dao.stdout.toString(), /^track 2: audio at LBA 300$/m, 'gapless in DAO');
    const rec2 = await reopen(img2);
    const text = decodeCdText(
      decodeCdTextTocData((await rec2.executeCommand(readTocPmaAtip({ format: 5 }))).dataIn),
    );
    assert.equal(text.album.title, 'Live');
    assert.deepEqual(
      text.tracks.map((t) => t.title),
      ['A', 'B'],
    );
    await rec2.close();
  });

  it('--audio --multisession, then --audio again: one album, with --mcn/--isrc in the Q', async () => {
    const a = noise(300 * 2352, 3);
    const b = noise(300 * 2352, 5);
    await writeFile(filePath('m1.pcm'), a);
    await writeFile(filePath('m2.pcm'), b);
    const img = image();
    const mcn = ['--mcn', '0724384960650'];
    const first = await run([
      'burn',
      `virtual:cd-r?image=${img}`,
      '--audio',
      filePath('m1.pcm'),
      '--multisession',
      ...mcn,
      '--isrc',
      'USRC17607839',
    ]);
    assert.equal(first.code, 0, first.stderr.toString());
    const second = await run([
      'burn',
      `virtual:cd-r?image=${img}`,
      '--audio',
      filePath('m2.pcm'),
      ...mcn,
      '--isrc',
      'GBAYE6800011',
    ]);
    assert.equal(second.code, 0, second.stderr.toString());
    assert.match(second.stdout.toString(), /appending to the open session after track 1/);
    assert.match(second.stdout.toString(), /^track 2: audio at LBA \d+$/m);
    const rec = await reopen(img);
    assert.equal((await rec.discInformation()).discStatus, 2, 'finalized by the second run');
    const sub = async (format: number, trackNumber = 0) =>
      decodeReadSubChannelData(
        (await rec.executeCommand(readSubChannel({ subQ: true, format, trackNumber }))).dataIn,
      );
    assert.deepEqual(
      [await sub(2), await sub(3, 1), await sub(3, 2)].map((d) =>
        d.data === undefined
          ? undefined
          : 'mediaCatalogNumber' in d.data
            ? d.data.mediaCatalogNumber
            : 'isrc' in d.data
              ? d.data.isrc
              : undefined,
      ),
      ['0724384960650', 'USRC17607839', 'GBAYE6800011'],
    );
    await rec.close();
    const bad = await run([
      'burn',
      `virtual:cd-r?image=${image()}`,
      '--audio',
      filePath('m1.pcm'),
      '--isrc',
      'USRC17607839,GBAYE6800011',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr.toString(), /--isrc lists 2 codes for 1 track/);
  });

  it('burns a sheet with a first pregap over 2 s and INDEX 00 in the FILE before', async () => {
    const a = noise(800 * 2352, 13);
    const b = noise(400 * 2352, 17);
    await writeFile(filePath('p1.bin'), a);
    await writeFile(filePath('p2.bin'), b);
    // Track 1: 5 s before its INDEX 01; track 2's pregap is the last 100 sectors of p1.bin.
    await writeFile(
      filePath('pregaps.cue'),
      'FILE "p1.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 00 00:00:00\n    INDEX 01 00:05:00\n' +
        '  TRACK 02 AUDIO\n    INDEX 00 00:09:25\nFILE "p2.bin" BINARY\n    INDEX 01 00:00:00\n',
    );
    for (const mode of [[], ['--sao']]) {
      const img = image();
      const r = await run([
        'burn',
        `virtual:cd-r?image=${img}`,
        '--cue',
        filePath('pregaps.cue'),
        ...mode,
      ]);
      assert.equal(r.code, 0, r.stderr.toString());
      const rec = await reopen(img);
      const toc = decodeFormattedToc(
        (await rec.executeCommand(readTocPmaAtip({ format: 0 }))).dataIn,
      );
      assert.deepEqual(
        toc.descriptors.map((d) => d.trackStartAddress),
        [225, 800 - 150, 800 - 150 + 400],
        `${mode.join('')} TOC`,
      );
      const main = await readSectors(rec, 0, 650, false); // up to track 2's index 1
      assert.ok(
        Buffer.from(main).equals(a.subarray(150 * 2352, 800 * 2352)),
        `${mode.join('')}: LBA 0 on is p1.bin from its 151st sector`,
      );
      const two = await readSectors(rec, 650, 400, false);
      assert.ok(Buffer.from(two).equals(b), `${mode.join('')}: track 2 is p2.bin`);
      await rec.close();
    }
  });

  it('usage errors exit 2 and send nothing', async () => {
    await writeFile(filePath('bad.cue'), 'FILE "x.bin" BINARY\nTRACK 01 CDG\n');
    await writeFile(filePath('bad.json'), '{"album": {"tilte": "x"}}');
    await writeFile(filePath('p.pcm'), noise(300 * 2352, 1));
    const cases: [string[], RegExp][] = [
      [[], /exactly one of an image, --cue/],
      [['some.iso', '--cue', filePath('bad.cue')], /exactly one/],
      [['--dao', 'some.iso'], /--dao goes with --audio/],
      [['--cue', filePath('bad.cue'), '--verify', 'full'], /--verify applies to data images/],
      [['--cue', filePath('bad.cue')], /bad\.cue:2: track type CDG/],
      [
        ['--audio', filePath('p.pcm'), '--cd-text', filePath('bad.json')],
        /album\.tilte is not a CD-TEXT field/,
      ],
      [
        ['--audio', filePath('p.pcm'), '--cd-text', filePath('text.json')],
        /--cd-text needs disc-at-once/,
      ],
      [['--audio', filePath('missing.wav')], /missing\.wav: cannot be read/],
    ];
    for (const [args, message] of cases) {
      const r = await run(['burn', 'virtual:cd-r', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr.toString()}`);
      assert.match(r.stderr.toString(), message);
    }
  });
});
