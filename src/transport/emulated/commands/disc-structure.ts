// READ DISC STRUCTURE and SEND DISC STRUCTURE of the virtual drive: the codecs of src/scsi around
// what the disc offers and takes (structures.ts).

import { encodeWriteProtectionStatus } from '../../../scsi/mmc/write-protection-status.js';
import {
  DiscStructureFormat,
  DiscStructureMediaType,
  decodeReadDiscStructureCdb,
  encodeReadDiscStructureData,
} from '../../../scsi/mmc/read-disc-structure.js';
import {
  decodeSendDiscStructureCdb,
  decodeSendDiscStructureData,
} from '../../../scsi/mmc/send-disc-structure.js';
import { readStructure, sendStructure } from '../structures.js';
import { cdbOf, parameterList, parse, upTo, type Handler } from './exchange.js';

export const readDiscStructure: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeReadDiscStructureCdb);
  const disc = core.media();
  // Write Protection Status (C0h) is the drive's view of the loaded DVD, not a disc structure.
  const payload =
    cdb.mediaType === DiscStructureMediaType.DVD &&
    cdb.formatCode === DiscStructureFormat.WRITE_PROTECTION_STATUS &&
    disc.spec.family === 'dvd'
      ? encodeWriteProtectionStatus(core.writeProtection)
      : readStructure(disc, cdb);
  return upTo(encodeReadDiscStructureData(payload), cdb.allocationLength);
};

export const sendDiscStructure: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeSendDiscStructureCdb);
  const disc = core.media();
  if (cdb.parameterListLength === 0) return;
  const payload = parse(() =>
    decodeSendDiscStructureData(parameterList(x, cdb.parameterListLength)),
  );
  sendStructure(disc, cdb, payload);
  await core.persist();
};
