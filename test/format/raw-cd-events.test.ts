// DiscFormat2RawCD's IMAPI2 surface beyond the image write, on the virtual CD-R at the CDB level:
// `update` events (IDiscFormat2RawCDEventArgs: actions in order, times from the clock and the
// engine, the IWriteEngine2EventArgs fields; none after the write settled), writeMedia/writeMedia2
// of plain raw-sector streams (bytes, a .bin file, a Readable) with their refusals before any
// command, cancel while preparing an SAO write, and what setRecorder sends.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CdSectorType,
  DiscFormat2RawCD,
  Format2RawCdWriteAction,
  RawCDImageCreator,
  type DiscFormat2RawCDEventArgs,
  type RawCDImage,
} from '../../src/format/index.js';
import { readCd } from '../../src/scsi/mmc/read-cd.js';
import { HR } from '../../src/errors.js';
import { cdbBlocks, cdbLba, rejectsWith, rig, throwsWith, writes } from '../helpers/recorder.js';
import { checkWriteEvents, recordEvents, seen } from '../helpers/format2-events.js';
import { imageBytes } from '../helpers/raw-image.js';

const audio = (sectors: number) =>
  Uint8Array.from({ length: sectors * 2352 }, (_, i) => (i * 13 + (i >> 9)) & 0xff);

async function audioImage(
  sectors: number,
  leadInStartLba?: number,
): Promise<{ image: RawCDImage; bytes: Uint8Array; pcm: Uint8Array }> {
  const c = new RawCDImageCreator();
  const pcm = audio(sectors);
  await c.addTrack(CdSectorType.AUDIO, pcm);
  const image = c.createResultImage(leadInStartLba === undefined ? {} : { leadInStartLba });
  return { image, bytes: await imageBytes(image), pcm };
}

const seenRaw = (a: DiscFormat2RawCDEventArgs) =>
  seen(a.currentAction, a.elapsedTime * 1000, a.remainingTime * 1000, a);

async function prepared(address = 'virtual:cd-r?speed=16x') {
  const r = await rig(address);
  const raw = new DiscFormat2RawCD({ clock: r.clock });
  await raw.setRecorder(r.recorder);
  await raw.prepareMedia();
  return { r, raw };
}

/** The main channel of `lba` as READ CD returns it (2,352 bytes). */
async function mainChannel(r: Awaited<ReturnType<typeof rig>>, lba: number): Promise<Uint8Array> {
  const res = await r.recorder.executeCommand(
    readCd({ lba, transferLength: 1, expectedSectorType: 1, userData: true, bytesPerSector: 2352 }),
  );
  return res.dataIn;
}

describe('DiscFormat2RawCD events', () => {
  it('writeMedia: PREPARING, WRITING, FINISHING with true times and LBAs; none afterwards', async () => {
    const { r, raw } = await prepared();
    const { image } = await audioImage(600);
    const { events, listener } = recordEvents(r.clock, seenRaw);
    raw.on('update', listener);
    let threw = 0;
    raw.on('update', () => {
      if (threw++ === 0) throw new Error('a listener that throws (the write goes on)');
    });
    const calledAt = r.clock.now();
    await raw.writeMedia(image);
    checkWriteEvents(events, calledAt, { startLba: -150, sectorCount: image.sectorCount });
    const finishing = events.at(-1)!;
    const sync = r.log.findIndex((e) => e.opcode === 0x35);
    assert.ok(sync > 0, 'SYNCHRONIZE CACHE sent');
    assert.equal(finishing.action, Format2RawCdWriteAction.FINISHING);
    const count = events.length;
    await raw.releaseMedia();
    await r.clock.sleep(10_000);
    assert.equal(events.length, count, 'no event after the write and releaseMedia');
  });

  it('writeMediaSao: the cue sheet and the lead-in are sent while PREPARING', async () => {
    const { r, raw } = await prepared();
    const c = new RawCDImageCreator();
    await c.addTrack(CdSectorType.AUDIO, audio(300));
    c.cdText = { album: { title: 'Events', performer: 'discwright' }, tracks: [{ title: 'One' }] };
    const image = c.createResultImage();
    const at: { action: number; cueSheets: number; writes: number }[] = [];
    raw.on('update', (_s, a) =>
      at.push({
        action: a.currentAction,
        cueSheets: r.log.filter((e) => e.opcode === 0x5d).length,
        writes: writes(r.log).length,
      }),
    );
    await raw.writeMediaSao(image);
    assert.deepEqual(at[0], { action: 1, cueSheets: 0, writes: 0 }, 'PREPARING before any command');
    const firstWriting = at.find((e) => e.action === 2)!;
    assert.equal(firstWriting.cueSheets, 1, 'the cue sheet went before WRITING');
    assert.equal(at.at(-1)!.action, 3);
  });

  it('cancelWrite while PREPARING an SAO write: no sector is written', async () => {
    const { r, raw } = await prepared();
    const c = new RawCDImageCreator();
    await c.addTrack(CdSectorType.AUDIO, audio(300));
    const image = c.createResultImage();
    raw.on('update', (_s, a) => {
      if (a.currentAction === Format2RawCdWriteAction.PREPARING) raw.cancelWrite();
    });
    const e = await rejectsWith(raw.writeMediaSao(image));
    assert.equal(e.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    assert.equal(writes(r.log).length, 0);
    assert.equal(throwsWith(() => raw.cancelWrite()).hr, HR.E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS);
  });
});

describe('DiscFormat2RawCD writes streams of raw sectors', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-raw-stream-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writeMedia of a .bin file and writeMedia2 of a Readable read back as built', async () => {
    const { image, bytes, pcm } = await audioImage(300);
    await writeFile(join(dir, 'disc.bin'), bytes);
    const a = await prepared('virtual:cd-r');
    await a.raw.writeMedia(join(dir, 'disc.bin'));
    assert.equal(cdbLba(writes(a.r.log)[0]!), -150);
    assert.deepEqual(await mainChannel(a.r, 0), pcm.subarray(0, 2352));
    assert.deepEqual(await mainChannel(a.r, 299), pcm.subarray(299 * 2352));
    await a.raw.releaseMedia();

    const b = await prepared('virtual:cd-r');
    const fromLeadIn = await audioImage(300, b.raw.startOfNextSession);
    const leadIn = -150 - b.raw.startOfNextSession;
    const stream = Readable.from([
      fromLeadIn.bytes.subarray(0, 100_000),
      fromLeadIn.bytes.subarray(100_000),
    ]);
    await b.raw.writeMedia2(stream, leadIn, { sizeBytes: fromLeadIn.bytes.length });
    assert.equal(cdbLba(writes(b.r.log)[0]!), b.raw.startOfNextSession);
    assert.deepEqual(await mainChannel(b.r, 150), fromLeadIn.pcm.subarray(150 * 2352, 151 * 2352));
    assert.equal(image.bytesPerSector, 2448);
  });

  it('refuses streams that do not fit, before any command reaches the drive', async () => {
    const { r, raw } = await prepared('virtual:cd-r');
    const { bytes } = await audioImage(300);
    const before = r.log.length;
    const codes = async (p: Promise<unknown>) => (await rejectsWith(p)).hr;
    // Not whole 2,448-byte sectors, empty, a stream of unknown size.
    assert.equal(
      await codes(raw.writeMedia(bytes.subarray(0, bytes.length - 100))),
      HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
    );
    assert.equal(
      await codes(raw.writeMedia(new Uint8Array(0))),
      HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
    );
    assert.equal(
      await codes(raw.writeMedia(Readable.from([bytes]))),
      HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
    );
    // Ends before LBA 0 (the pregap only).
    assert.equal(
      await codes(raw.writeMedia(bytes.subarray(0, 150 * 2448))),
      HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
    );
    // Longer than the disc: its lead-out would start past lastPossibleStartOfLeadout.
    const tooLong = (raw.lastPossibleStartOfLeadout + 150 + 6751) * 2448;
    assert.equal(
      await codes(raw.writeMedia(Readable.from([bytes]), { sizeBytes: tooLong })),
      HR.E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE,
    );
    // writeMedia2: a lead-in shorter or longer than the disc's, or not a count.
    const leadIn = -150 - raw.startOfNextSession;
    assert.equal(
      await codes(raw.writeMedia2(bytes, leadIn - 1)),
      HR.E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT,
    );
    assert.equal(
      await codes(raw.writeMedia2(bytes, leadIn + 1)),
      HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
    );
    assert.equal(await codes(raw.writeMedia2(bytes, -1)), HR.E_INVALIDARG);
    assert.equal(r.log.length, before, 'no command sent');
  });

  it('a stream shorter than its sizeBytes fails the write; nothing is reported written', async () => {
    const { r, raw } = await prepared('virtual:cd-r');
    const { bytes } = await audioImage(300);
    const e = await rejectsWith(
      raw.writeMedia(Readable.from([bytes.subarray(0, 1000 * 2448)]), { sizeBytes: bytes.length }),
    );
    assert.equal(e.hr, HR.E_FAIL);
    assert.match(e.message, /source ended/);
    const sent = writes(r.log).reduce((n, w) => n + cdbBlocks(w), 0);
    assert.ok(sent <= 1000, `${sent} sectors sent; the stream held 1000`);
  });
});

describe('DiscFormat2RawCD.setRecorder', () => {
  it('asks the drive for CD Mastering (GET CONFIGURATION) and nothing else', async () => {
    const r = await rig('virtual:cd-r');
    const raw = new DiscFormat2RawCD({ clock: r.clock });
    const before = r.log.length;
    assert.equal(await raw.isRecorderSupported(r.recorder), true);
    await raw.setRecorder(r.recorder);
    assert.equal(raw.recorder, r.recorder);
    const sent = r.log.slice(before);
    assert.ok(sent.length > 0);
    assert.ok(
      sent.every(
        (e) =>
          e.opcode === 0x46 && (e.cdb[1]! & 3) === 2 && ((e.cdb[2]! << 8) | e.cdb[3]!) === 0x002e,
      ),
      'GET CONFIGURATION, RT 10b, of feature 002Eh only',
    );
  });
});
