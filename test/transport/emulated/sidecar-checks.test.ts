// What the image-backed virtual drive refuses to open (image/disc-files.ts, sidecar-schema.ts,
// docs/virtual-drive.md "Damaged or missing files"): a sidecar damaged in any field, one edited
// after discwright wrote it (its digest), a truncated, emptied or deleted image under an intact
// sidecar, an address that contradicts the sidecar (`formatted=on`, `capacity=`), a missing
// directory. Each refusal carries its HRESULT, names the file, says what is wrong and what to
// do, and leaves both files as they were; what the drive itself writes is accepted (see
// sidecar-legit.test.ts), and so are a sidecar without a digest (older discwright) and an image
// longer than its layout (blocks written after the last layout save).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, truncate, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DwError, HR, formatHr } from '../../../src/errors.js';
import { openVirtualDrive } from '../../../src/transport/emulated/index.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { read10 } from '../../../src/scsi/block/read-10.js';
import { synchronizeCache10 } from '../../../src/scsi/block/synchronize-cache-10.js';
import { ScsiStatus } from '../../../src/scsi/command.js';
import { scratchImages } from '../../helpers/images.js';

const { imagePath, filePath } = scratchImages('dw-sidecar-checks-');
const SECTOR = 2048;

function pattern(blocks: number, seed: number): Uint8Array {
  return new Uint8Array(blocks * SECTOR).map((_, i) => (i * 13 + seed + (i >> 11)) & 0xff);
}

/** A disc of `media` in a new image with `blocks` blocks written from LBA 0; returns its path. */
async function recordedImage(media: string, blocks: number, extra = ''): Promise<string> {
  const image = imagePath();
  const d = await openVirtualDrive(`virtual:${media}?image=${image}${extra}`);
  for (let lba = 0; lba < blocks; lba += 32) {
    const n = Math.min(32, blocks - lba);
    const r = await d.execute(write10({ lba, transferLength: n, data: pattern(n, lba) }));
    assert.equal(r.status, ScsiStatus.GOOD);
  }
  await d.execute(synchronizeCache10());
  await d.close();
  return image;
}

type Sidecar = { disc: Record<string, unknown> & { tracks: Record<string, unknown>[] } } & Record<
  string,
  unknown
>;

async function sidecarOf(image: string): Promise<Sidecar> {
  return JSON.parse(await readFile(`${image}.json`, 'utf8')) as Sidecar;
}

/** Both files' bytes, to show a refusal changed nothing. */
async function files(image: string): Promise<[Buffer | undefined, Buffer | undefined]> {
  const read = (p: string) => readFile(p).catch(() => undefined);
  return [await read(image), await read(`${image}.json`)];
}

async function refused(address: string, readOnly = false): Promise<DwError> {
  try {
    const d = await openVirtualDrive(address, { readOnly });
    await d.close();
  } catch (e) {
    assert.ok(e instanceof DwError, String(e));
    return e;
  }
  assert.fail(`${address} opened`);
}

/** A refusal with `hr` that names `file`, says `what`, and has a hint. */
function assertRefusal(e: DwError, hr: number, file: string, what: RegExp): void {
  assert.equal(e.hr, hr, `${formatHr(e.hr)} ${e.message}`);
  assert.ok(e.message.includes(file), e.message);
  assert.match(e.message, what);
  assert.equal(e.retryable, false);
  assert.ok(e.hint !== undefined && e.hint.length > 0);
}

describe('a damaged sidecar is refused, field by field (ERROR_FILE_CORRUPT)', () => {
  const cases: [string, (s: Sidecar) => unknown, RegExp][] = [
    [
      'nwa edited back over recorded blocks (5)',
      (s) => (s.disc.tracks[0]!.nwa = 5),
      /changed after discwright wrote it/,
    ],
    ['nwa -5', (s) => (s.disc.tracks[0]!.nwa = -5), /disc\.tracks\[0\]\.nwa is -5, outside 0\.\./],
    [
      'nwa "abc"',
      (s) => (s.disc.tracks[0]!.nwa = 'abc'),
      /disc\.tracks\[0\]\.nwa is "abc", not an integer/,
    ],
    [
      'nwa beyond the capacity',
      (s) => (s.disc.tracks[0]!.nwa = 99999999),
      /nwa is 99999999, outside/,
    ],
    ['capacity -1', (s) => (s.disc.capacity = -1), /disc\.capacity is -1, outside 1\.\./],
    ['capacity 1.5', (s) => (s.disc.capacity = 1.5), /disc\.capacity is 1\.5, not an integer/],
    ['tracks []', (s) => (s.disc.tracks = []), /disc\.tracks has 0 entries/],
    ['tracks not a list', (s) => (s.disc.tracks = {} as never), /disc\.tracks is \{\}, not a list/],
    [
      'a track numbered 2 first',
      (s) => (s.disc.tracks[0]!.number = 2),
      /disc\.tracks\[0\]\.number is 2, outside 1\.\.1/,
    ],
    ['first after start', (s) => (s.disc.tracks[0]!.first = 3), /disc\.tracks\[0\]\.first is 3/],
    [
      'closed without a size',
      (s) => (s.disc.tracks[0]!.closed = true),
      /size is missing on a closed track/,
    ],
    [
      'a track of session 2 of 1',
      (s) => (s.disc.tracks[0]!.session = 2),
      /session is 2, outside 1\.\.1/,
    ],
    ['trackMode 16', (s) => (s.disc.tracks[0]!.trackMode = 16), /trackMode is 16/],
    ['dataMode 3', (s) => (s.disc.tracks[0]!.dataMode = 3), /dataMode is 3, not 1, 2 or 15/],
    [
      'damaged "no"',
      (s) => (s.disc.tracks[0]!.damaged = 'no'),
      /damaged is "no", not true or false/,
    ],
    ['sessions []', (s) => (s.disc.sessions = []), /disc\.sessions has 0 entries/],
    [
      'finalized with an open session',
      (s) => (s.disc.finalized = true),
      /sessions\[0\]\.closed is false, but the disc is finalized/,
    ],
    ['formatted BD-R', (s) => (s.disc.formatted = true), /BD-R cannot be formatted/],
    ['another profile', (s) => (s.disc.profile = 0x43), /disc\.profile is 67, outside 65\.\.65/],
    ['unknown media', (s) => (s.disc.media = 'dvd+x'), /disc\.media is "dvd\+x", not one of/],
    ['disc version 2', (s) => (s.disc.version = 2), /disc\.version is 2/],
    ['sidecar version 2', (s) => (s.version = 2), /version is 2; this discwright reads version 1/],
    ['another format', (s) => (s.format = 'x'), /format is "x".*not a discwright sidecar/],
    ['stride 1234', (s) => (s.stride = 1234), /stride is 1234, not null or a sector size/],
    [
      'stride null under recorded blocks',
      (s) => (s.stride = null),
      /stride is null, but the tracks record blocks up to LBA 99/,
    ],
    ['odd key "abc"', (s) => (s.odd = { abc: 'AAAA' }), /odd has the key "abc"/],
    [
      'odd block on a BD',
      (s) => (s.odd = { '5': Buffer.alloc(2352).toString('base64') }),
      /BD-R has one sector size/,
    ],
    [
      'dmi of 5 bytes',
      (s) => (s.disc.structures = { dmi: 'AAAAAAA=' }),
      /structures\.dmi holds 5 bytes, not 2048/,
    ],
    [
      'timestamp "soon"',
      (s) => (s.disc.structures = { timestamp: 'soon' }),
      /timestamp is "soon", not YYYYMMDDhhmmss/,
    ],
    ['digest not sha256', (s) => (s.digest = 'md5:0'), /digest is "md5:0", not sha256/],
    [
      'minimallyBlanked "yes"',
      (s) => (s.disc.minimallyBlanked = 'yes'),
      /disc\.minimallyBlanked is "yes", not true or false/,
    ],
    [
      'minimallyBlanked on a BD-R',
      (s) => (s.disc.minimallyBlanked = true),
      /minimallyBlanked is true, but only a sequential DVD-RW is blanked minimally/,
    ],
    ['pow 1', (s) => (s.disc.pow = 1), /disc\.pow is 1, not true or false/],
    [
      'bgFormat of another value',
      (s) => (s.disc.bgFormat = 'done'),
      /disc\.bgFormat is "done", not "running" or "stopped"/,
    ],
    [
      'bgFormat on a BD-R',
      (s) => (s.disc.bgFormat = 'running'),
      /disc\.bgFormat is given, but only a formatted DVD\+RW formats in background/,
    ],
    [
      'an MCN on a BD-R track',
      (s) => (s.disc.tracks[0]!.mcn = '0724384960650'),
      /disc\.tracks\[0\]\.mcn is "0724384960650", not allowed here/,
    ],
    [
      'an ISRC on a BD-R track',
      (s) => (s.disc.tracks[0]!.isrc = 'USRC17607839'),
      /disc\.tracks\[0\]\.isrc is "USRC17607839", not allowed here/,
    ],
    [
      'rawCapacity below the capacity',
      (s) => (s.disc.rawCapacity = 5),
      /disc\.rawCapacity is 5, outside 12219393\.\./,
    ],
  ];
  for (const [name, mutate, what] of cases) {
    it(name, async () => {
      const image = await recordedImage('bd-r', 100);
      const s = await sidecarOf(image);
      mutate(s);
      await writeFile(`${image}.json`, JSON.stringify(s));
      const before = await files(image);
      for (const readOnly of [false, true]) {
        const e = await refused(`virtual:bd-r?image=${image}`, readOnly);
        assertRefusal(e, HR.ERROR_FILE_CORRUPT, `${image}.json`, what);
        assert.match(e.message, /the sidecar .* is damaged/);
        assert.match(e.hint ?? '', /Restore .* from a backup/);
      }
      assert.deepEqual(await files(image), before, 'a refusal changed the files');
    });
  }

  const texts: [string, (t: string) => string, RegExp][] = [
    ['truncated', (t) => t.slice(0, 100), /not JSON \(.*\)/],
    ['null', () => 'null', /the sidecar is null, not a JSON object/],
    ['empty', () => '', /it is empty/],
  ];
  for (const [name, cut, what] of texts) {
    it(`a ${name} sidecar names the file, not a bare parse error`, async () => {
      const image = await recordedImage('bd-r', 40);
      await writeFile(`${image}.json`, cut(await readFile(`${image}.json`, 'utf8')));
      const e = await refused(`virtual:bd-r?image=${image}`);
      assertRefusal(e, HR.ERROR_FILE_CORRUPT, `${image}.json`, what);
    });
  }

  it('an edited NWA never lets a write-once disc be written over', async () => {
    const image = await recordedImage('bd-r', 100);
    const s = await sidecarOf(image);
    s.disc.tracks[0]!.nwa = 5;
    await writeFile(`${image}.json`, JSON.stringify(s));
    const before = await files(image);
    await refused(`virtual:bd-r?image=${image}`);
    assert.deepEqual(await files(image), before);
  });

  it('pseudo-overwrite on a DVD+R, or a minimal blank of a formatted DVD-RW, is refused', async () => {
    for (const [media, key, what] of [
      ['dvd+r', 'pow', /disc\.pow is true, but only a BD-R is formatted for pseudo-overwrite/],
      ['dvd-rw', 'minimallyBlanked', /only a sequential DVD-RW is blanked minimally/],
    ] as const) {
      const image = await recordedImage(
        media,
        media === 'dvd-rw' ? 0 : 32,
        media === 'dvd-rw' ? '&formatted=on' : '',
      );
      const s = await sidecarOf(image);
      s.disc[key] = true;
      delete s.digest;
      await writeFile(`${image}.json`, JSON.stringify(s));
      const e = await refused(`virtual:${media}?image=${image}`);
      assertRefusal(e, HR.ERROR_FILE_CORRUPT, `${image}.json`, what);
    }
  });

  it('accepts a sidecar without a digest (older discwright) and the same disc', async () => {
    const image = await recordedImage('bd-r', 64);
    const s = await sidecarOf(image);
    delete s.digest;
    await writeFile(`${image}.json`, JSON.stringify(s));
    const d = await openVirtualDrive(`virtual:bd-r?image=${image}`, { readOnly: true });
    assert.equal(d.control.media.tracks[0]?.nwa, 64);
    const r = await d.execute(read10({ lba: 32, transferLength: 32, blockSize: SECTOR }));
    assert.deepEqual(r.dataIn, pattern(32, 32));
    await d.close();
  });

  it('a sidecar another process damaged is refused when the drive takes exclusive access', async () => {
    const image = await recordedImage('bd-r', 32);
    const d = await openVirtualDrive(`virtual:bd-r?image=${image}`);
    const s = await sidecarOf(image);
    s.disc.tracks[0]!.nwa = -5;
    await writeFile(`${image}.json`, JSON.stringify(s));
    await assert.rejects(d.exclusiveAccess.acquire(false, 'test'), (e: unknown) => {
      assert.ok(e instanceof DwError);
      assertRefusal(e, HR.ERROR_FILE_CORRUPT, `${image}.json`, /nwa is -5/);
      return true;
    });
    await d.close();
  });
});

describe('an image that lacks what its sidecar records is refused', () => {
  it('truncated: ERROR_FILE_CORRUPT naming the image and the blocks the sidecar records', async () => {
    const image = await recordedImage('bd-r', 100);
    await truncate(image, 10 * SECTOR + 7);
    const before = await files(image);
    for (const readOnly of [false, true]) {
      const e = await refused(`virtual:bd-r?image=${image}`, readOnly);
      assertRefusal(
        e,
        HR.ERROR_FILE_CORRUPT,
        image,
        /holds 20487 bytes \(10 whole blocks of 2048\)/,
      );
      assert.match(e.message, /records blocks up to LBA 99 .*truncated or replaced/);
    }
    assert.deepEqual(await files(image), before);
  });

  it('emptied: ERROR_FILE_CORRUPT, also on random-writable media (DVD-RAM)', async () => {
    for (const media of ['bd-r', 'dvd-ram']) {
      const image = await recordedImage(media, 20);
      await truncate(image, 0);
      const e = await refused(`virtual:${media}?image=${image}`, true);
      assertRefusal(e, HR.ERROR_FILE_CORRUPT, image, /it is empty, but its sidecar/);
    }
  });

  it('deleted: STG_E_FILENOTFOUND, not a fresh disc, and the image is not created again', async () => {
    for (const media of ['bd-r', 'dvd-ram']) {
      const image = await recordedImage(media, 20);
      await rm(image);
      const sidecar = await readFile(`${image}.json`);
      for (const readOnly of [false, true]) {
        const e = await refused(`virtual:${media}?image=${image}`, readOnly);
        assertRefusal(e, HR.STG_E_FILENOTFOUND, image, /is missing, but its sidecar .* records/);
      }
      assert.deepEqual(await files(image), [undefined, sidecar]);
    }
  });

  it('deleted under a blank sidecar: a write opens a blank disc again, a read-only open refuses', async () => {
    const image = imagePath();
    await (await openVirtualDrive(`virtual:dvd+r?image=${image}`)).close();
    await rm(image);
    const e = await refused(`virtual:dvd+r?image=${image}`, true);
    assertRefusal(e, HR.STG_E_FILENOTFOUND, image, /no disc image .* of a blank disc/);
    const d = await openVirtualDrive(`virtual:dvd+r?image=${image}`);
    assert.equal(d.control.media.nwa, 0);
    await d.close();
  });

  it('accepts an image longer than its layout: blocks written after the last layout save are recorded', async () => {
    const image = await recordedImage('bd-r', 40);
    await appendFile(image, new Uint8Array(50 * SECTOR).fill(9));
    const d = await openVirtualDrive(`virtual:bd-r?image=${image}`);
    // The open track's recorded area ends where the image does (layout-recovery.ts).
    assert.equal(d.control.media.nwa, 90);
    await d.close();
  });
});

describe('the address must agree with the disc in the image (E_INVALIDARG)', () => {
  it('formatted=on on an image of an unformatted DVD+RW says so instead of ignoring it', async () => {
    const image = imagePath();
    await (await openVirtualDrive(`virtual:dvd+rw?image=${image}`)).close();
    const before = await files(image);
    const e = await refused(`virtual:dvd+rw?image=${image}&formatted=on`);
    assert.equal(e.hr, HR.E_INVALIDARG);
    assert.match(e.message, /formatted=on applies to a new image only.*unformatted DVD\+RW/);
    assert.ok(e.message.includes(image));
    assert.deepEqual(await files(image), before);
    const formatted = imagePath();
    await (await openVirtualDrive(`virtual:dvd+rw?image=${formatted}&formatted=on`)).close();
    const again = await openVirtualDrive(`virtual:dvd+rw?image=${formatted}&formatted=on`);
    assert.equal(again.control.media.formatted, true);
    await again.close();
  });

  it('capacity= other than the disc in the image', async () => {
    const image = await recordedImage('dvd+r', 4, '&capacity=5000');
    const e = await refused(`virtual:dvd+r?image=${image}&capacity=6000`);
    assert.equal(e.hr, HR.E_INVALIDARG);
    assert.match(e.message, /capacity=6000, but .* holds a disc of 5000 blocks/);
    await (await openVirtualDrive(`virtual:dvd+r?image=${image}&capacity=5000`)).close();
    await (await openVirtualDrive(`virtual:dvd+r?image=${image}`)).close();
  });

  it('a sidecar of other media', async () => {
    const image = await recordedImage('bd-r', 1);
    const e = await refused(`virtual:dvd+r?image=${image}`);
    assert.equal(e.hr, HR.E_INVALIDARG);
    assert.match(e.message, /holds a bd-r disc, not dvd\+r; use virtual:bd-r/);
  });
});

describe('paths', () => {
  it('an image in a missing directory: STG_E_FILENOTFOUND naming the directory, nothing created', async () => {
    const image = join(filePath('no-such-dir'), 'x.img');
    for (const readOnly of [false, true]) {
      const e = await refused(`virtual:dvd+r?image=${image}`, readOnly);
      assertRefusal(
        e,
        HR.STG_E_FILENOTFOUND,
        filePath('no-such-dir'),
        /directory .* does not exist/,
      );
    }
    await assert.rejects(readdir(filePath('no-such-dir')), { code: 'ENOENT' });
  });

  it('image= naming a directory: E_INVALIDARG', async () => {
    const directory = filePath('a-directory');
    await mkdir(directory);
    const e = await refused(`virtual:dvd+r?image=${directory}`);
    assert.equal(e.hr, HR.E_INVALIDARG);
    assert.match(e.message, /is a directory; name a file in it/);
  });

  it('a mistyped path opened read-only creates nothing', async () => {
    const image = filePath('mistyped.img');
    const e = await refused(`virtual:dvd+r?image=${image}`, true);
    assertRefusal(e, HR.STG_E_FILENOTFOUND, image, /no disc image .*never creates one/);
    assert.deepEqual(await files(image), [undefined, undefined]);
  });
});
