// The request factories the recorder uses, gathered in one place so the recorder reads in terms
// of IMAPI2 members while the CDB layouts stay in the codec layer (src/scsi).

export { modeSense10 } from '../scsi/spc/mode-sense-10.js';
export { modeSelect10 } from '../scsi/spc/mode-select-10.js';
export { startStopUnit, ejectMedium, loadMedium } from '../scsi/spc/start-stop-unit.js';
export { readDiscInformation } from '../scsi/mmc/read-disc-information.js';
export { readCapacity10 } from '../scsi/block/read-capacity-10.js';
export { read10 } from '../scsi/block/read-10.js';
export { synchronizeCache10 } from '../scsi/block/synchronize-cache-10.js';
export { testUnitReady } from '../scsi/spc/test-unit-ready.js';
export { getConfiguration } from '../scsi/mmc/get-configuration.js';
export { readTrackInformation } from '../scsi/mmc/read-track-information.js';
export { readBufferCapacity } from '../scsi/mmc/read-buffer-capacity.js';
export { getWriteSpeeds } from '../scsi/mmc/get-performance.js';
export { readDiscStructure } from '../scsi/mmc/read-disc-structure.js';
export { sendDiscStructure } from '../scsi/mmc/send-disc-structure.js';
