// The decoders against real drives' answers (test/fixtures/drives/): each fixture's field values
// are laid out in bytes by hand from the MMC-6 tables (independent of the encoders), decoded, and
// must come back as the drive reported them. The virtual drive is compared with the same fixtures
// in test/transport/emulated/real-drives.test.ts.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CapacityDescriptorType,
  decodeReadFormatCapacitiesData,
} from '../../../src/scsi/mmc/read-format-capacities.js';
import { decodeReadTrackInformationData } from '../../../src/scsi/mmc/read-track-information.js';
import { decodeReadDiscStructureData } from '../../../src/scsi/mmc/read-disc-structure.js';
import {
  decodeLayerBoundaryInformation,
  decodeLayerBoundarySend,
} from '../../../src/scsi/mmc/layer-boundary.js';
import { decodeGetConfigurationData } from '../../../src/scsi/mmc/get-configuration.js';
import { featurePageTypeName } from '../../../src/scsi/mmc/features/feature-codes.js';
import { decodeSense } from '../../../src/scsi/sense.js';
import { be, cat, zeros } from '../../helpers/bytes.js';
import type { FormatDescriptorFact } from '../../fixtures/drives/source.js';
import * as wh16ns40 from '../../fixtures/drives/lg-wh16ns40/blank-bd-r.js';
import * as shS182m from '../../fixtures/drives/tsst-sh-s182m/dvd-ram-formats.js';
import * as sh224db from '../../fixtures/drives/tsst-sh-224db/dvd+r-two-sessions.js';
import * as axd001 from '../../fixtures/drives/acer-axd001/blank-dvd+r.js';
import * as bt20n from '../../fixtures/drives/lg-bt20n/dvd+r-dl-layer-boundary.js';
import * as gsaH31n from '../../fixtures/drives/lg-gsa-h31n/dvd-r.js';
import * as nd3540a from '../../fixtures/drives/nec-nd-3540a/dvd+rw-blank.js';
import * as libburn from '../../fixtures/drives/libburn/formats.js';
import * as libburnBdRe from '../../fixtures/drives/libburn/bd-re-formats.js';
import * as features from '../../fixtures/drives/multi-drive/dvd-bd-features.js';

// READ FORMAT CAPACITIES reply (MMC-6 Table 474): 3 reserved bytes, CAPACITY LIST LENGTH, the
// current/maximum descriptor (blocks, descriptor type in bits 1..0, block length), then one
// 8-byte descriptor per format (blocks, format type in bits 7..2, type dependent parameter).
function formatCapacitiesBytes(
  current: { descriptorType: 'unformatted' | 'formatted'; numberOfBlocks: number },
  list: readonly FormatDescriptorFact[],
): Uint8Array {
  const type = current.descriptorType === 'unformatted' ? 0b01 : 0b10;
  return cat(
    [0, 0, 0, 8 * (1 + list.length)],
    be(current.numberOfBlocks, 4),
    [type],
    be(2048, 3),
    ...list.map((d) => [
      ...be(d.numberOfBlocks, 4),
      d.formatType << 2,
      ...be(d.typeDependentParameter, 3),
    ]),
  );
}

// READ TRACK INFORMATION reply (MMC-6 Table 591), the 48-byte form.
function trackInformationBytes(t: {
  blank?: boolean;
  packetInc?: boolean;
  nwaV?: boolean;
  logicalTrackStartAddress: number;
  nextWritableAddress?: number;
  freeBlocks?: number;
  logicalTrackSize: number;
  readCompatibilityLba?: number;
}): Uint8Array {
  return cat(
    be(46, 2),
    [1, 1, 0, 0x07],
    [((t.blank ? 1 : 0) << 6) | ((t.packetInc ? 1 : 0) << 5) | 0x01],
    [t.nwaV ? 0x01 : 0x00],
    be(t.logicalTrackStartAddress, 4),
    be(t.nextWritableAddress ?? 0, 4),
    be(t.freeBlocks ?? 0, 4),
    be(0, 4),
    be(t.logicalTrackSize, 4),
    be(0, 4),
    [0, 0, 0, 0],
    be(t.readCompatibilityLba ?? 0, 4),
    zeros(8),
  );
}

function assertFormats(bytes: Uint8Array, list: readonly FormatDescriptorFact[]): void {
  const decoded = decodeReadFormatCapacitiesData(bytes);
  assert.deepEqual(
    decoded.formattableCapacities.map((d) => ({
      formatType: d.formatType,
      typeDependentParameter: d.typeDependentParameter,
      numberOfBlocks: d.numberOfBlocks,
    })),
    list,
  );
}

describe('decoders against real drives (test/fixtures/drives)', () => {
  it(`READ FORMAT CAPACITIES of a blank BD-R (${wh16ns40.source.drive})`, () => {
    const f = wh16ns40.readFormatCapacities;
    const bytes = formatCapacitiesBytes(f.current, f.formattable);
    const decoded = decodeReadFormatCapacitiesData(bytes);
    assert.equal(decoded.currentMaximumCapacity.numberOfBlocks, 12219392);
    assert.equal(decoded.currentMaximumCapacity.descriptorType, CapacityDescriptorType.UNFORMATTED);
    assertFormats(bytes, f.formattable);
  });

  it(`READ FORMAT CAPACITIES of a DVD-RAM (${shS182m.source.drive})`, () => {
    const f = shS182m.readFormatCapacities;
    const bytes = formatCapacitiesBytes(f.current, f.formattable);
    assert.equal(
      decodeReadFormatCapacitiesData(bytes).currentMaximumCapacity.descriptorType,
      CapacityDescriptorType.FORMATTED,
    );
    assertFormats(bytes, f.formattable);
  });

  it('READ FORMAT CAPACITIES of a BD-RE (libburn mmc.c)', () => {
    const bytes = formatCapacitiesBytes(
      { descriptorType: 'unformatted', numberOfBlocks: 12219392 },
      libburnBdRe.bdRe,
    );
    assertFormats(bytes, libburnBdRe.bdRe);
  });

  it(`READ TRACK INFORMATION: blank BD-R is invisible incremental (${wh16ns40.source.drive})`, () => {
    const t = decodeReadTrackInformationData(trackInformationBytes(wh16ns40.track1));
    for (const [k, v] of Object.entries(wh16ns40.track1)) {
      if (k === 'reserved') assert.equal(t.rt, v, k);
      else assert.equal(t[k as keyof typeof t], v, k);
    }
  });

  it(`READ TRACK INFORMATION: DVD+R ROM compatibility LBA (${sh224db.source.drive}, ${axd001.source.drive})`, () => {
    for (const fact of [sh224db.track2, axd001.track1]) {
      const t = decodeReadTrackInformationData(trackInformationBytes({ ...fact, nwaV: true }));
      for (const [k, v] of Object.entries(fact)) assert.equal(t[k as keyof typeof t], v, k);
    }
    assert.equal(sh224db.sessionGap, 2048);
  });

  it(`READ / SEND DISC STRUCTURE 20h: DVD+R DL layer boundary (${bt20n.source.drive})`, () => {
    // MMC-6 Table 388: header, then byte 4 bit 7 InitStatus, bytes 8..11 L0 data zone capacity.
    const reply = cat(be(10, 2), [0, 0], [0x00, 0, 0, 0], be(2086912, 4));
    const lb = decodeLayerBoundaryInformation(decodeReadDiscStructureData(reply).payload);
    assert.deepEqual(lb, bt20n.layerBoundary);
    assert.equal(2 * lb.l0DataZoneCapacity, bt20n.capacity);
    assert.equal(decodeLayerBoundarySend(cat(zeros(4), be(1048576, 4))), 1048576);
  });

  it('fixed sense of the real refusals decodes to the recorded key/ASC/ASCQ', () => {
    for (const s of [
      gsaH31n.readUnrecordedSense,
      nd3540a.blankSense,
      libburn.minimallyBlankedDvdRw.incrementalWriteSense,
    ]) {
      // SPC-4 fixed format: 70h, reserved, sense key, information, additional length 10,
      // command-specific information, ASC, ASCQ.
      const bytes = cat([0x70, 0, s.senseKey], zeros(4), [10], zeros(4), [s.asc, s.ascq], zeros(4));
      const d = decodeSense(bytes);
      assert.deepEqual([d.senseKey, d.asc, d.ascq], [s.senseKey, s.asc, s.ascq]);
    }
  });

  it(`GET CONFIGURATION: the features every DVD/BD drive lists are known (${features.source.drive})`, () => {
    // Header (data length, current profile 0011h), then one 4-byte descriptor header per feature
    // with Additional Length 0.
    const descriptors = features.listed.map((code) => [...be(code, 2), 0x00, 0x00]);
    const bytes = cat(be(4 + 4 * descriptors.length, 4), [0, 0, 0x00, 0x11], ...descriptors);
    const decoded = decodeGetConfigurationData(bytes);
    assert.deepEqual(
      decoded.descriptors.map((d) => d.featureCode),
      [...features.listed],
    );
    for (const code of features.listed) assert.ok(featurePageTypeName(code) !== undefined);
  });
});
