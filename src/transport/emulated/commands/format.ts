// Blanking and formatting on the virtual drive: BLANK, FORMAT UNIT (both empty the block store)
// and READ FORMAT CAPACITIES.

import { decodeBlankCdb } from '../../../scsi/mmc/blank.js';
import {
  decodeFormatUnitCdb,
  decodeFormatUnitData,
  FORMAT_CODE_MMC,
  FormatType,
} from '../../../scsi/mmc/format-unit.js';
import {
  CapacityDescriptorType,
  decodeReadFormatCapacitiesCdb,
  encodeReadFormatCapacitiesData,
} from '../../../scsi/mmc/read-format-capacities.js';
import { fail, Sense } from '../check.js';
import { formatDvdPlusRw } from '../background-format.js';
import { OPERATION_MS } from '../operation.js';
import { cdbOf, EMPTY, parse, upTo, type Handler } from './exchange.js';

export const blankHandler: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeBlankCdb);
  const disc = core.media();
  disc.blank(cdb.blankingType);
  core.buffer.stop();
  await core.clearStore();
  await core.flush();
  const ms = cdb.blankingType === 0 ? OPERATION_MS.fullBlank : OPERATION_MS.minimalBlank;
  if (cdb.immed) core.operation.begin('other', ms);
};

export const formatUnit: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeFormatUnitCdb);
  const disc = core.media();
  if (!cdb.fmtData || cdb.formatCode !== FORMAT_CODE_MMC) fail(Sense.INVALID_FIELD_IN_CDB);
  const data = x.command.dataOut ?? EMPTY;
  if (data.length < 12) fail(Sense.PARAMETER_LIST_LENGTH_ERROR);
  const list = parse(() => decodeFormatUnitData(data));
  const d = list.formatDescriptor;
  if (d.formatType === FormatType.BD_R_FULL_FORMAT_WITH_SPARE_AREAS && d.formatSubType > 1) {
    // Sub-types 00b SRM+POW (pseudo-overwrite) and 01b SRM-POW are taken; RRM (10b) is a
    // profile (0042h) the drive does not offer.
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, `format sub-type ${d.formatSubType}`);
  }
  core.buffer.stop();
  const plusRw = disc.spec.id === 'dvd+rw' && d.formatType === FormatType.DVD_PLUS_RW_BASIC_FORMAT;
  const restart = plusRw && (d.typeDependentParameter & 1) !== 0;
  if (plusRw) formatDvdPlusRw(disc, d.typeDependentParameter, d.numberOfBlocks);
  else disc.format(d.formatType, d.numberOfBlocks, d.formatSubType);
  // A restarted DVD+RW format keeps what the disc holds; every other format empties it.
  if (!restart) await core.clearStore();
  await core.flush();
  // IMMED: GOOD now, NOT READY (02/04/04) with progress while the drive formats (operation.ts).
  const quick = plusRw || d.formatType === FormatType.DVD_RW_QUICK;
  if (list.immed)
    core.operation.begin('format', quick ? OPERATION_MS.quickFormat : OPERATION_MS.fullFormat);
};

export const readFormatCapacities: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeReadFormatCapacitiesCdb);
  const disc = core.tray === 'closed' ? core.disc : undefined;
  const data =
    disc === undefined
      ? encodeReadFormatCapacitiesData({
          currentMaximumCapacity: {
            numberOfBlocks: 12219392,
            descriptorType: CapacityDescriptorType.NO_MEDIA,
            blockLength: 2048,
          },
          formattableCapacities: [],
        })
      : encodeReadFormatCapacitiesData({
          currentMaximumCapacity: {
            numberOfBlocks: disc.capacity,
            descriptorType:
              disc.random ||
              disc.spareFormatted ||
              (disc.spec.formatTypes.length === 0 && disc.status().disc !== 'blank')
                ? CapacityDescriptorType.FORMATTED
                : CapacityDescriptorType.UNFORMATTED,
            blockLength: 2048,
          },
          formattableCapacities: disc.formattable().map((o) => ({
            numberOfBlocks: o.blocks,
            formatType: o.formatType,
            typeDependentParameter: o.typeDependentParameter,
          })),
        });
  return upTo(data, cdb.allocationLength);
};
