// The sidecar checks accept every sidecar the drive itself writes (image/sidecar-schema.ts,
// image/disc-files.ts): for every media, fast-check drives an image-backed drive through random
// command sequences at the CDB level (writes at the NWA and elsewhere, CD pre-gaps at negative
// LBAs and odd sector sizes, test writes, RESERVE TRACK, CLOSE TRACK/SESSION and finalizing,
// BLANK, FORMAT UNIT, SEND DISC STRUCTURE, SYNCHRONIZE CACHE), closing and reopening it on the
// way; every reopening, for writing and read-only, must accept the files and give the same
// layout and the same recorded blocks.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MEDIA, MEDIA_IDS, type MediaId } from '../../../src/transport/emulated/media.js';
import { openVirtualDrive, type VirtualDrive } from '../../../src/transport/emulated/index.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { synchronizeCache10 } from '../../../src/scsi/block/synchronize-cache-10.js';
import { closeTrackSession } from '../../../src/scsi/mmc/close-track-session.js';
import { reserveTrack } from '../../../src/scsi/mmc/reserve-track.js';
import { blank } from '../../../src/scsi/mmc/blank.js';
import { formatUnit } from '../../../src/scsi/mmc/format-unit.js';
import { sendDiscStructure } from '../../../src/scsi/mmc/send-disc-structure.js';
import { modeSelect10, encodeModeSelect10Data } from '../../../src/scsi/spc/mode-select-10.js';
import {
  blockSizeForDataBlockType,
  encodeWriteParametersPage,
} from '../../../src/scsi/mmc/mode-pages/write-parameters.js';
import { scratchImages } from '../../helpers/images.js';

const { imagePath } = scratchImages('dw-sidecar-legit-');

/** Small discs: several sessions fit (CD, BD), DVD's 12,288-block session overhead once. */
const CAPACITY: Record<string, number> = { cd: 20000, dvd: 30000, bd: 4096 };

type Op =
  | { op: 'write'; track: number; blocks: number; off: number }
  | { op: 'pregap'; blocks: number }
  | { op: 'params'; writeType: number; dataBlockType: number; testWrite: boolean; next: boolean }
  | { op: 'reserve'; size: number }
  | { op: 'closeTrack'; track: number }
  | { op: 'closeSession'; fn: number }
  | { op: 'blank'; type: number }
  | { op: 'format'; type: number; blocks: number }
  | { op: 'structure'; which: number; value: number }
  | { op: 'sync' }
  | { op: 'reopen' };

function ops(media: MediaId): fc.Arbitrary<Op[]> {
  const spec = MEDIA[media];
  const params = fc.record({
    op: fc.constant('params' as const),
    writeType: fc.constantFrom(...spec.writeTypes),
    dataBlockType:
      spec.family === 'cd' ? fc.constantFrom(8, 8, 0, 1, 2, 10, 11, 13) : fc.constant(8),
    testWrite: fc.oneof(
      { arbitrary: fc.constant(false), weight: 4 },
      { arbitrary: fc.constant(true), weight: 1 },
    ),
    next: fc.oneof(
      { arbitrary: fc.constant(true), weight: 3 },
      { arbitrary: fc.constant(false), weight: 1 },
    ),
  });
  const op: { arbitrary: fc.Arbitrary<Op>; weight: number }[] = [
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant('write' as const),
        track: fc.nat(8),
        blocks: fc.integer({ min: 1, max: 40 }),
        off: fc.oneof(
          { arbitrary: fc.constant(0), weight: 5 },
          { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 1 },
        ),
      }),
    },
    { weight: 1, arbitrary: params },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('reserve' as const),
        size: fc.integer({ min: 1, max: 300 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('closeTrack' as const), track: fc.nat(8) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('closeSession' as const),
        fn: fc.oneof(
          { arbitrary: fc.constant(2), weight: 3 },
          { arbitrary: fc.constantFrom(2, ...spec.finalizeFunctions), weight: 1 },
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('sync' as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('reopen' as const) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('structure' as const),
        which: fc.nat(2),
        value: fc.integer({ min: 1, max: 1000 }),
      }),
    },
  ];
  if (spec.family === 'cd') {
    op.push({
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('pregap' as const),
        blocks: fc.integer({ min: 1, max: 160 }),
      }),
    });
  }
  if (spec.canBlank) {
    op.push({
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('blank' as const), type: fc.nat(1) }),
    });
  }
  if (spec.formatTypes.length > 0) {
    op.push({
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('format' as const),
        type: fc.constantFrom(...spec.formatTypes),
        blocks: fc.constantFrom(0, 1024, 2048),
      }),
    });
  }
  // Write parameters first (SAO/raw pre-gaps, sector sizes, multi-session), then the commands.
  return fc
    .tuple(params, fc.array(fc.oneof(...op), { minLength: 1, maxLength: 16 }))
    .map(([first, rest]) => [first, ...rest]);
}

/** The layout as the drive holds it, and a digest of every recorded block it can read. */
async function state(d: VirtualDrive): Promise<unknown> {
  const m = d.control.media;
  const blocks: number[] = [];
  for (const t of m.tracks) {
    const from = Math.max(t.first, -200);
    const to = Math.min(t.nwa, from + 64);
    if (to > from) {
      const bytes = await m.readBlocks(from, to - from);
      blocks.push(
        bytes.length,
        bytes.reduce((a, b) => (a * 31 + b) >>> 0, 7),
      );
    }
  }
  return {
    profile: m.profile,
    capacity: m.capacity,
    formatted: m.formatted,
    finalized: m.finalized,
    minimallyBlanked: m.minimallyBlanked,
    pseudoOverwrite: m.pseudoOverwrite,
    tracks: m.tracks,
    sessions: m.sessions,
    blocks,
  };
}

async function apply(d: VirtualDrive, media: MediaId, o: Op): Promise<void> {
  const m = d.control.media;
  const open = m.tracks.filter((t) => !t.closed);
  const spec = MEDIA[media];
  switch (o.op) {
    case 'write': {
      const t = open[o.track % Math.max(1, open.length)];
      const lba = m.formatted
        ? (o.track * 97 + o.off * 16 + 64) % Math.max(1, m.capacity - 64)
        : (t?.nwa ?? 0) + o.off;
      const blocks = m.formatted && media === 'dvd-rw' ? 16 : o.blocks;
      const size = m.writeBlockSize;
      const data = new Uint8Array(blocks * size).map((_, i) => (i * 7 + lba) & 0xff);
      await d.execute(
        write10({
          lba: m.formatted && media === 'dvd-rw' ? lba - (lba % 16) : lba,
          transferLength: blocks,
          data,
        }),
      );
      return;
    }
    case 'pregap': {
      const t = m.tracks[m.tracks.length - 1];
      if (t === undefined) return;
      const size = m.writeBlockSize;
      await d.execute(
        write10({
          lba: t.nwa - o.blocks,
          transferLength: o.blocks,
          data: new Uint8Array(o.blocks * size).fill(3),
        }),
      );
      return;
    }
    case 'params': {
      const page = encodeWriteParametersPage({
        ...m.writeParameters,
        writeType: o.writeType,
        dataBlockType: o.dataBlockType,
        testWrite: o.testWrite && spec.testWrite,
        multiSession: o.next ? 3 : 0,
      });
      assert.ok(blockSizeForDataBlockType(o.dataBlockType) !== undefined);
      await d.execute(modeSelect10({ pf: true, data: encodeModeSelect10Data({ pages: [page] }) }));
      return;
    }
    case 'reserve':
      await d.execute(reserveTrack({ arsv: false, reservationSize: o.size }));
      return;
    case 'closeTrack': {
      const t = open[o.track % Math.max(1, open.length)];
      await d.execute(closeTrackSession({ closeFunction: 1, logicalTrackNumber: t?.number ?? 1 }));
      return;
    }
    case 'closeSession':
      await d.execute(closeTrackSession({ closeFunction: o.fn, logicalTrackNumber: 0 }));
      return;
    case 'blank':
      await d.execute(blank({ blankingType: o.type }));
      return;
    case 'format':
      await d.execute(
        formatUnit({
          formatDescriptor: {
            numberOfBlocks: o.blocks,
            formatType: o.type,
            formatSubType: 0,
            typeDependentParameter: 0,
          },
        }),
      );
      return;
    case 'structure': {
      if (o.which === 0) {
        await d.execute(
          sendDiscStructure({
            formatCode: 0x04,
            payload: new Uint8Array(2048).fill(o.value & 0xff),
          }),
        );
      } else if (o.which === 1) {
        const stamp = `2026${String((o.value % 12) + 1).padStart(2, '0')}07123456`;
        const payload = new Uint8Array(18);
        payload.set(Buffer.from(stamp, 'ascii'), 4);
        await d.execute(sendDiscStructure({ formatCode: 0x0f, payload }));
      } else {
        const payload = new Uint8Array(64).fill(1);
        new DataView(payload.buffer).setUint32(0, o.value);
        await d.execute(sendDiscStructure({ formatCode: 0x30, payload }));
      }
      return;
    }
    case 'sync':
      await d.execute(synchronizeCache10());
      return;
    case 'reopen':
      return;
  }
}

describe('the sidecar checks accept what the drive writes', () => {
  for (const media of MEDIA_IDS) {
    it(`${media}: random command sequences, reopened for writing and read-only`, async () => {
      const capacity = CAPACITY[MEDIA[media].family] ?? 4096;
      await fc.assert(
        fc.asyncProperty(ops(media), async (sequence) => {
          const address = `virtual:${media}?image=${imagePath()}&capacity=${capacity}&maxTransfer=1M`;
          let d = await openVirtualDrive(address);
          try {
            for (const o of sequence) {
              await apply(d, media, o);
              if (o.op === 'reopen') {
                const before = await state(d);
                await d.close();
                d = await openVirtualDrive(address);
                assert.deepEqual(await state(d), before);
              }
            }
            const before = await state(d);
            await d.close();
            const ro = await openVirtualDrive(address, { readOnly: true });
            assert.deepEqual(await state(ro), before);
            await ro.close();
            d = await openVirtualDrive(address);
            assert.deepEqual(await state(d), before);
          } finally {
            await d.close();
          }
        }),
        { numRuns: Number(process.env.RUNS ?? 8) },
      );
    });
  }
});
