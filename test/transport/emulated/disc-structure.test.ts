// READ / SEND DISC STRUCTURE and descriptor-format sense on the virtual drive: the structures
// each media answers, the exact sense of every refusal, host-written structures read back and
// persisted, and the recorder's readDvdStructure / sendDvdStructure and sense conversion end to end.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openVirtualDrive, parseVirtualAddress, VirtualClock } from '../../../src/testing/index.js';
import type { VirtualDrive } from '../../../src/testing/index.js';
import { HR } from '../../../src/errors.js';
import { scsiCommand, ScsiStatus, type ScsiResult } from '../../../src/scsi/command.js';
import { decodeSense } from '../../../src/scsi/sense.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { testUnitReady } from '../../../src/scsi/spc/test-unit-ready.js';
import { requestSense } from '../../../src/scsi/spc/request-sense.js';
import { closeTrackSession } from '../../../src/scsi/mmc/close-track-session.js';
import { blank } from '../../../src/scsi/mmc/blank.js';
import { decodeBdDiscInformation } from '../../../src/scsi/mmc/bd-disc-information.js';
import {
  decodeDiscStructureList,
  decodePhysicalFormatInformation,
  decodeReadDiscStructureData,
  readDiscStructure,
  type PhysicalFormatInformation,
} from '../../../src/scsi/mmc/read-disc-structure.js';
import { sendDiscStructure } from '../../../src/scsi/mmc/send-disc-structure.js';
import { DiscRecorder } from '../../../src/device/recorder.js';
import { be, cat, h } from '../../helpers/bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'discwright-structures-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Codes = [number, number, number];

const zeros = (n: number): Uint8Array => new Uint8Array(n);

function senseOf(r: ScsiResult): Codes {
  assert.equal(r.status, ScsiStatus.CHECK_CONDITION, 'expected CHECK CONDITION');
  const s = decodeSense(r.sense);
  return [s.senseKey, s.asc, s.ascq];
}

function good(r: ScsiResult): ScsiResult {
  if (r.status !== ScsiStatus.GOOD) assert.fail(`status ${r.status}: ${senseOf(r).join('/')}`);
  return r;
}

async function withDrive(address: string, body: (d: VirtualDrive) => Promise<void>) {
  const d = await openVirtualDrive(address);
  try {
    await body(d);
  } finally {
    await d.close();
  }
}

const rds = (d: VirtualDrive, o: Parameters<typeof readDiscStructure>[0]) =>
  d.execute(readDiscStructure(o));

async function payload(d: VirtualDrive, o: Parameters<typeof readDiscStructure>[0]) {
  const r = good(await rds(d, { allocationLength: 0xfff0, ...o }));
  const reply = decodeReadDiscStructureData(r.dataIn);
  assert.equal(reply.truncated, false);
  return reply.payload;
}

async function pfi(d: VirtualDrive, layerNumber = 0): Promise<PhysicalFormatInformation> {
  return decodePhysicalFormatInformation(await payload(d, { formatCode: 0, layerNumber }));
}

/** A 2048-byte DMI whose bytes depend on their offset. */
const DMI = Uint8Array.from({ length: 2048 }, (_, i) => (i * 7 + 3) & 0xff);

/** SEND DISC STRUCTURE 0Fh (timestamp): 4 reserved bytes, then YYYYMMDDhhmmss. */
const timestamp = (text: string) =>
  cat(
    zeros(4),
    Uint8Array.from(text, (c) => c.charCodeAt(0)),
  );

describe('READ DISC STRUCTURE format 00h: physical format information per media', () => {
  it('DVD+R answers the 2052-byte layer descriptor, byte for byte', async () => {
    await withDrive('virtual:dvd+r', async (d) => {
      const r = good(await rds(d, { formatCode: 0 }));
      // Book type A (DVD+R) part version 1, 120 mm, rate unspecified, one recordable layer,
      // data zone 030000h..26053Fh (2,295,104 blocks).
      assert.deepEqual(
        r.dataIn,
        cat(
          h('08 02 00 00'),
          h('A1 0F 02 00  00 03 00 00  00 26 05 3F  00 00 00 00  00'),
          zeros(2031),
        ),
      );
    });
  });

  const table: [string, Partial<PhysicalFormatInformation>][] = [
    [
      'dvd-r',
      {
        bookType: 0x2,
        partVersion: 5,
        numberOfLayers: 1,
        trackPath: 0,
        layerType: 0b0010,
        startPhysicalSectorNumber: 0x030000,
        endPhysicalSectorNumber: 0x26101f,
        endSectorNumberInLayer0: 0,
      },
    ],
    [
      'dvd-rw',
      {
        bookType: 0x3,
        partVersion: 2,
        numberOfLayers: 1,
        layerType: 0b0100,
        startPhysicalSectorNumber: 0x030000,
        endPhysicalSectorNumber: 0x26101f,
      },
    ],
    [
      'dvd+rw',
      {
        bookType: 0x9,
        partVersion: 2,
        numberOfLayers: 1,
        layerType: 0b0100,
        startPhysicalSectorNumber: 0x030000,
        endPhysicalSectorNumber: 0x26053f,
      },
    ],
    [
      // Opposite track path: layer 0 ends after 2,086,912 blocks, layer 1 at ~030000h.
      'dvd+r-dl',
      {
        bookType: 0xe,
        partVersion: 1,
        numberOfLayers: 2,
        trackPath: 1,
        layerType: 0b0010,
        linearDensity: 1,
        startPhysicalSectorNumber: 0x030000,
        endPhysicalSectorNumber: 0xfcffff,
        endSectorNumberInLayer0: 0x22d7ff,
      },
    ],
    [
      'dvd-ram',
      {
        bookType: 0x1,
        partVersion: 6,
        numberOfLayers: 1,
        layerType: 0b0100,
        startPhysicalSectorNumber: 0x031000,
        endPhysicalSectorNumber: 0x031000 + 2236704 - 1,
      },
    ],
  ];
  for (const [media, expected] of table) {
    it(`${media}: book type, layers and data zone`, async () => {
      await withDrive(`virtual:${media}`, async (d) => {
        const p = await pfi(d);
        assert.equal(p.discSize, 0, '120 mm');
        for (const [k, v] of Object.entries(expected)) {
          assert.equal(p[k as keyof PhysicalFormatInformation], v, k);
        }
      });
    });
  }

  it('a formatted DVD+RW reports the same data zone as a blank one', async () => {
    await withDrive('virtual:dvd+rw?formatted=on', async (d) => {
      assert.equal((await pfi(d)).endPhysicalSectorNumber, 0x26053f);
    });
  });

  it('layer 1 exists on DVD+R DL only; other layers are 05/24/00', async () => {
    await withDrive('virtual:dvd+r-dl', async (d) => {
      assert.equal((await pfi(d, 1)).numberOfLayers, 2);
      assert.deepEqual(senseOf(await rds(d, { formatCode: 0, layerNumber: 2 })), [5, 0x24, 0]);
    });
    await withDrive('virtual:dvd+r', async (d) => {
      assert.deepEqual(senseOf(await rds(d, { formatCode: 0, layerNumber: 1 })), [5, 0x24, 0]);
      assert.deepEqual(senseOf(await rds(d, { formatCode: 4, layerNumber: 1 })), [5, 0x24, 0]);
    });
  });

  it('CD media cannot answer DVD structures: 05/30/02; BD with media type 0 neither', async () => {
    for (const media of ['cd-r', 'cd-rw', 'bd-r', 'bd-re']) {
      await withDrive(`virtual:${media}`, async (d) => {
        assert.deepEqual(senseOf(await rds(d, { formatCode: 0 })), [5, 0x30, 2], media);
        assert.deepEqual(senseOf(await rds(d, { formatCode: 4 })), [5, 0x30, 2], media);
      });
    }
  });

  it('truncates to the allocation length; the header carries the full length', async () => {
    await withDrive('virtual:dvd-r', async (d) => {
      const r = good(await rds(d, { formatCode: 0, allocationLength: 4 }));
      assert.deepEqual(r.dataIn, h('08 02 00 00'));
      assert.equal(decodeReadDiscStructureData(r.dataIn).truncated, true);
    });
  });

  it('unknown formats and media types are 05/24/00; no disc is 02/3A/xx', async () => {
    await withDrive('virtual:dvd+r', async (d) => {
      for (const formatCode of [0x01, 0x05, 0x0f, 0x30, 0x60]) {
        assert.deepEqual(senseOf(await rds(d, { formatCode })), [5, 0x24, 0], String(formatCode));
      }
      assert.deepEqual(senseOf(await rds(d, { formatCode: 0, mediaType: 2 })), [5, 0x24, 0]);
      await d.control.eject();
      const r = await rds(d, { formatCode: 0 });
      assert.deepEqual(senseOf(r).slice(0, 2), [2, 0x3a]);
    });
  });
});

describe('READ DISC STRUCTURE on BD (media type 1)', () => {
  for (const [media, type, version] of [
    ['bd-r', 'BDR', 1],
    ['bd-re', 'BDW', 2],
  ] as const) {
    it(`${media}: disc information ${type}, one layer, data zone from AUN 100000h`, async () => {
      await withDrive(`virtual:${media}`, async (d) => {
        const r = good(await rds(d, { formatCode: 0, mediaType: 1, allocationLength: 4100 }));
        assert.equal(r.dataIn.length, 4100);
        assert.deepEqual(r.dataIn.subarray(0, 4), h('10 02 00 00'));
        // "DI", DI format 1, one unit per block, 112 bytes in use, then the disc type.
        assert.deepEqual(
          r.dataIn.subarray(4, 15),
          cat(h('44 49 01 08 00 00 70 00'), h(Buffer.from(type).toString('hex'))),
        );
        const di = decodeBdDiscInformation(r.dataIn.subarray(4));
        assert.equal(di.discTypeIdentifier, type);
        assert.equal(di.discVersion, version);
        assert.equal(di.numberOfLayers, 1);
        assert.equal(di.channelBitLength, 1);
        assert.equal(di.firstAun, 0x100000);
        // 12,219,392 blocks are 6,109,696 address units of two sectors.
        assert.equal(di.lastAun, 0x100000 + 6109696 - 1);
        assert.deepEqual(
          senseOf(await rds(d, { formatCode: 0, mediaType: 1, layerNumber: 1 })),
          [5, 0x24, 0],
        );
        assert.deepEqual(senseOf(await rds(d, { formatCode: 0x30, mediaType: 1 })), [5, 0x24, 0]);
      });
    });
  }

  it('DVD and CD media cannot answer BD structures: 05/30/02', async () => {
    for (const media of ['dvd+r', 'cd-r']) {
      await withDrive(`virtual:${media}`, async (d) => {
        assert.deepEqual(senseOf(await rds(d, { formatCode: 0, mediaType: 1 })), [5, 0x30, 2]);
      });
    }
  });
});

describe('READ DISC STRUCTURE format FFh: the structure list', () => {
  const list = async (d: VirtualDrive, mediaType = 0) =>
    decodeDiscStructureList(await payload(d, { formatCode: 0xff, mediaType }));

  it('DVD-R lists PFI, DMI (sendable), the identifier (sendable) and the list', async () => {
    await withDrive('virtual:dvd-r', async (d) => {
      const r = good(await rds(d, { formatCode: 0xff }));
      assert.deepEqual(
        r.dataIn,
        h('00 12 00 00  00 40 08 04  04 C0 08 04  0F C0 00 16  FF 40 00 00'),
      );
    });
  });

  it('DVD+RW adds the disc control block; DVD+R sends nothing', async () => {
    await withDrive('virtual:dvd+rw', async (d) => {
      assert.deepEqual(
        (await list(d)).map((e) => [e.formatCode, e.sds]),
        [
          [0x00, false],
          [0x04, false],
          [0x30, true],
          [0xff, false],
        ],
      );
    });
    await withDrive('virtual:dvd+r', async (d) => {
      assert.ok((await list(d)).every((e) => !e.sds && e.rds));
    });
  });

  it('CD lists only the list; BD lists its disc information under media type 1', async () => {
    await withDrive('virtual:cd-r', async (d) => {
      assert.deepEqual(
        (await list(d)).map((e) => e.formatCode),
        [0xff],
      );
    });
    await withDrive('virtual:bd-r', async (d) => {
      assert.deepEqual(
        (await list(d)).map((e) => e.formatCode),
        [0xff],
      );
      assert.deepEqual(await list(d, 1), [
        { formatCode: 0, sds: false, rds: true, structureLength: 4100 },
        { formatCode: 0xff, sds: false, rds: true, structureLength: 0 },
      ]);
    });
  });
});

describe('SEND DISC STRUCTURE', () => {
  const sds = (d: VirtualDrive, formatCode: number, p: Uint8Array) =>
    d.execute(sendDiscStructure({ formatCode, payload: p }));

  it('DVD-R: DMI reads as zeros until the host sends it, then as sent', async () => {
    await withDrive('virtual:dvd-r', async (d) => {
      assert.deepEqual(await payload(d, { formatCode: 4 }), zeros(2048));
      good(await sds(d, 4, DMI));
      assert.deepEqual(await payload(d, { formatCode: 4 }), DMI);
    });
  });

  it('refuses DMI of the wrong size (05/26/00) and a short parameter list (05/1A/00)', async () => {
    await withDrive('virtual:dvd-rw', async (d) => {
      assert.deepEqual(senseOf(await sds(d, 4, zeros(100))), [5, 0x26, 0]);
      // The header announces 2050 bytes after the length field; only 100 arrive.
      const shortList = cat(be(2050, 2), zeros(2), zeros(96));
      const cdb = h('BF 00 00 00 00 00 00 04 00 64 00 00');
      const r = await d.execute(
        scsiCommand('SEND DISC STRUCTURE', cdb, 'out', { dataOut: shortList }),
      );
      assert.deepEqual(senseOf(r), [5, 0x26, 0]);
      const longer = scsiCommand(
        'SEND DISC STRUCTURE',
        h('BF 00 00 00 00 00 00 04 08 04 00 00'),
        'out',
        {
          dataOut: zeros(100),
        },
      );
      assert.deepEqual(senseOf(await d.execute(longer)), [5, 0x1a, 0]);
      assert.deepEqual(await payload(d, { formatCode: 4 }), zeros(2048), 'nothing recorded');
    });
  });

  it('DVD+R, DVD+RW, BD and CD do not take DMI: 05/24/00', async () => {
    for (const media of ['dvd+r', 'dvd+rw', 'dvd-ram', 'bd-r', 'cd-r']) {
      await withDrive(`virtual:${media}`, async (d) => {
        assert.deepEqual(senseOf(await sds(d, 4, DMI)), [5, 0x24, 0], media);
      });
    }
  });

  it('a closed DVD-R takes no more DMI: 05/30/05', async () => {
    await withDrive('virtual:dvd-r', async (d) => {
      good(await d.execute(write10({ lba: 0, transferLength: 16, data: zeros(16 * 2048) })));
      good(await d.execute(closeTrackSession({ closeFunction: 2 })));
      assert.equal(d.control.media.discStatus, 'complete');
      assert.deepEqual(senseOf(await sds(d, 4, DMI)), [5, 0x30, 5]);
    });
  });

  it('DVD-RW: the timestamp (0Fh) shows in the unique disc identifier; BLANK clears both', async () => {
    await withDrive('virtual:dvd-rw', async (d) => {
      assert.deepEqual(await payload(d, { formatCode: 0x0f }), zeros(18));
      good(await sds(d, 0x0f, timestamp('20240229235959')));
      const udi = await payload(d, { formatCode: 0x0f });
      assert.equal(Buffer.from(udi.subarray(4)).toString('latin1'), '20240229235959');
      assert.notDeepEqual(udi.subarray(2, 4), zeros(2), 'a random number is set');
      assert.deepEqual(await payload(d, { formatCode: 0x0f }), udi, 'stable across reads');
      good(await sds(d, 4, DMI));
      good(await d.execute(blank({ blankingType: 1 })));
      assert.deepEqual(await payload(d, { formatCode: 0x0f }), zeros(18));
      assert.deepEqual(await payload(d, { formatCode: 4 }), zeros(2048));
    });
  });

  it('refuses malformed timestamps with 05/26/00 and timestamps on DVD+R with 05/24/00', async () => {
    await withDrive('virtual:dvd-r', async (d) => {
      for (const bad of ['20241301000000', '2024010100000x', '20240100120000']) {
        assert.deepEqual(senseOf(await sds(d, 0x0f, timestamp(bad))), [5, 0x26, 0], bad);
      }
      assert.deepEqual(senseOf(await sds(d, 0x0f, zeros(4))), [5, 0x26, 0]);
    });
    await withDrive('virtual:dvd+r', async (d) => {
      assert.deepEqual(senseOf(await sds(d, 0x0f, timestamp('20240101000000'))), [5, 0x24, 0]);
    });
  });

  it('DVD+RW: disc control blocks are listed at FFFFFFFFh and read back by descriptor', async () => {
    await withDrive('virtual:dvd+rw', async (d) => {
      assert.deepEqual(await payload(d, { formatCode: 0x30, address: 0xffffffff }), zeros(0));
      const dcb = cat(h('44 43 42 01'), zeros(4), zeros(32), Uint8Array.of(1, 2, 3));
      good(await sds(d, 0x30, dcb));
      assert.deepEqual(
        await payload(d, { formatCode: 0x30, address: 0xffffffff }),
        h('44 43 42 01'),
      );
      assert.deepEqual(await payload(d, { formatCode: 0x30, address: 0x44434201 }), dcb);
      assert.deepEqual(
        senseOf(await rds(d, { formatCode: 0x30, address: 0x12345678 })),
        [5, 0x24, 0],
      );
      // Shorter than the DCB header, or content descriptor FFFFFFFFh: invalid parameter list.
      assert.deepEqual(senseOf(await sds(d, 0x30, zeros(39))), [5, 0x26, 0]);
      assert.deepEqual(senseOf(await sds(d, 0x30, cat(h('FF FF FF FF'), zeros(36)))), [5, 0x26, 0]);
    });
    await withDrive('virtual:dvd+r', async (d) => {
      assert.deepEqual(senseOf(await sds(d, 0x30, cat(h('44 43 42 01'), zeros(36)))), [5, 0x24, 0]);
    });
  });

  it('a parameter list length of 0 is accepted and changes nothing', async () => {
    await withDrive('virtual:dvd-r', async (d) => {
      const cdb = h('BF 00 00 00 00 00 00 04 00 00 00 00');
      good(await d.execute(scsiCommand('SEND DISC STRUCTURE', cdb, 'none')));
      assert.deepEqual(await payload(d, { formatCode: 4 }), zeros(2048));
    });
  });

  it('host-written structures survive reopening an image-backed disc', async () => {
    const image = join(dir, 'dvdr.img');
    await withDrive(`virtual:dvd-r?image=${image}`, async (d) => {
      good(await sds(d, 4, DMI));
      good(await sds(d, 0x0f, timestamp('20250102030405')));
    });
    await withDrive(`virtual:dvd-r?image=${image}`, async (d) => {
      assert.deepEqual(await payload(d, { formatCode: 4 }), DMI);
      const udi = await payload(d, { formatCode: 0x0f });
      assert.equal(Buffer.from(udi.subarray(4)).toString('latin1'), '20250102030405');
    });
  });
});

describe('descriptor-format sense', () => {
  it('sense=descriptor answers CHECK CONDITION with 72h sense and an information descriptor', async () => {
    await withDrive('virtual:dvd+r?sense=descriptor', async (d) => {
      const r = await d.execute(write10({ lba: 5, transferLength: 1, data: zeros(2048) }));
      assert.equal(r.status, ScsiStatus.CHECK_CONDITION);
      // 72h, key 5, 21/02, additional length 12: the information descriptor with VALID and LBA 5.
      assert.deepEqual(r.sense, cat(h('72 05 21 02 00 00 00 0C'), h('00 0A 80 00'), be(5, 8)));
      assert.deepEqual(d.control.log.at(-1)?.sense, r.sense, 'the log keeps the sense as sent');
      const noInfo = await d.execute(scsiCommand('OPCODE 0x02', h('02 00 00 00 00 00'), 'none'));
      assert.deepEqual(noInfo.sense, h('72 05 20 00 00 00 00 00'));
    });
  });

  it('fixed format stays the default', async () => {
    await withDrive('virtual:dvd+r', async (d) => {
      const r = await d.execute(write10({ lba: 5, transferLength: 1, data: zeros(2048) }));
      assert.equal(r.sense[0], 0xf0, 'VALID + 70h');
      assert.equal(r.sense.length, 18);
    });
  });

  it('REQUEST SENSE follows its DESC bit', async () => {
    await withDrive('virtual:dvd+r', async (d) => {
      d.control.faults.unitAttention(0x29, 0x00);
      const desc = good(await d.execute(requestSense({ desc: true })));
      assert.deepEqual(desc.dataIn, h('72 06 29 00 00 00 00 00'));
      const fixed = good(await d.execute(requestSense({ desc: false })));
      assert.deepEqual(fixed.dataIn, cat(h('70 00 00 00 00 00 00 0A'), zeros(10)));
      good(await d.execute(testUnitReady()));
    });
    await withDrive('virtual:dvd+r?sense=descriptor', async (d) => {
      await d.control.eject();
      const fixed = good(await d.execute(requestSense({ desc: false, allocationLength: 18 })));
      assert.deepEqual(fixed.dataIn.subarray(0, 3), h('70 00 02'));
      assert.deepEqual(fixed.dataIn.subarray(12, 14), h('3A 02'));
      const desc = good(await d.execute(requestSense({ desc: true, allocationLength: 4 })));
      assert.deepEqual(desc.dataIn, h('72 02 3A 02'), 'cut to the allocation length');
    });
  });

  it('the address accepts sense=fixed|descriptor and nothing else', () => {
    assert.equal(parseVirtualAddress('virtual:cd-r').senseFormat, 'fixed');
    assert.equal(parseVirtualAddress('virtual:cd-r?sense=descriptor').senseFormat, 'descriptor');
    assert.throws(
      () => parseVirtualAddress('virtual:cd-r?sense=long'),
      (e: unknown) => e instanceof Error && 'hr' in e && e.hr === HR.E_INVALIDARG,
    );
  });
});

describe('the recorder over the virtual drive: structures and descriptor sense', () => {
  const recorderOn = async (address: string) => {
    const clock = new VirtualClock();
    const drive = await openVirtualDrive(address, { clock });
    return { drive, recorder: await DiscRecorder.fromTransport(drive, { clock }) };
  };

  it('readDvdStructure returns the layer descriptor without its header', async () => {
    const { recorder } = await recorderOn('virtual:dvd+r');
    const bytes = await recorder.readDvdStructure(0, 0, 0, 0);
    assert.equal(bytes.length, 2048);
    assert.deepEqual(
      bytes.subarray(0, 16),
      h('A1 0F 02 00  00 03 00 00  00 26 05 3F  00 00 00 00'),
    );
    const list = decodeDiscStructureList(await recorder.readDvdStructure(0xff, 0, 0, 0));
    assert.deepEqual(
      list.map((e) => e.formatCode),
      [0x00, 0x04, 0xff],
    );
    await recorder.close();
  });

  it('a format the disc lacks rejects with E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT', async () => {
    const { recorder } = await recorderOn('virtual:dvd+r');
    const err = await recorder.readDvdStructure(0x160, 0, 0, 0).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e as { hr: number; sense: Uint8Array },
    );
    assert.equal(err.hr, HR.E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT);
    assert.deepEqual([err.sense[2], err.sense[12], err.sense[13]], [5, 0x24, 0]);
    await recorder.close();
  });

  it('sendDvdStructure writes DMI that readDvdStructure reads back', async () => {
    const { recorder } = await recorderOn('virtual:dvd-r');
    await recorder.sendDvdStructure(4, DMI);
    assert.deepEqual(await recorder.readDvdStructure(4, 0, 0, 0), DMI);
    await recorder.close();
  });

  for (const format of ['fixed', 'descriptor'] as const) {
    it(`a refused structure rejects with 18-byte fixed sense (drive sense=${format})`, async () => {
      const { recorder } = await recorderOn(`virtual:cd-r?sense=${format}`);
      const err = await recorder.readDvdStructure(0, 0, 0, 0).then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e as { hr: number; sense: Uint8Array; command: string },
      );
      assert.equal(err.hr, HR.E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE);
      assert.equal(err.command, 'READ DISC STRUCTURE');
      assert.equal(err.sense.length, 18);
      assert.deepEqual(
        [err.sense[0], err.sense[2], err.sense[12], err.sense[13]],
        [0x70, 5, 0x30, 2],
      );
      const send = await recorder.sendDvdStructure(4, DMI).then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e as { sense: Uint8Array },
      );
      assert.deepEqual([send.sense[0], send.sense[12]], [0x70, 0x24]);
      await recorder.close();
    });
  }

  it('descriptor sense with an information descriptor becomes fixed sense with VALID and the LBA', async () => {
    const { recorder } = await recorderOn('virtual:dvd+r?sense=descriptor');
    const r = await recorder.sendCommandSendDataToDevice(
      write10({ lba: 32, transferLength: 1, data: zeros(2048) }).cdb,
      10,
      zeros(2048),
    );
    assert.equal(r.hr, HR.S_IMAPI_COMMAND_HAS_SENSE_DATA);
    assert.deepEqual(r.sense, cat(h('F0 00 05 00 00 00 20 0A 00 00 00 00 21 02'), zeros(4)));
    await recorder.close();
  });
});
