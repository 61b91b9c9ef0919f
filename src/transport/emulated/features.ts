// The virtual recorder's GET CONFIGURATION feature list (MMC-6 §5.3): a multi-format BD/DVD/CD
// writer. Persistent features are always current; media features are current only while a disc
// they apply to is loaded, as a real drive reports them. Built with the feature codecs.

import type { FeatureDescriptor } from '../../scsi/mmc/features/feature-descriptor.js';
import { profileListFeatureDescriptor } from '../../scsi/mmc/features/profile-list.js';
import { coreFeatureDescriptor, PhysicalInterfaceStandard } from '../../scsi/mmc/features/core.js';
import { morphingFeatureDescriptor } from '../../scsi/mmc/features/morphing.js';
import {
  LoadingMechanismType,
  removableMediumFeatureDescriptor,
} from '../../scsi/mmc/features/removable-medium.js';
import { randomReadableFeatureDescriptor } from '../../scsi/mmc/features/random-readable.js';
import { randomWritableFeatureDescriptor } from '../../scsi/mmc/features/random-writable.js';
import { incrementalStreamingWritableFeatureDescriptor } from '../../scsi/mmc/features/incremental-streaming-writable.js';
import { formattableFeatureDescriptor } from '../../scsi/mmc/features/formattable.js';
import { restrictedOverwriteFeatureDescriptor } from '../../scsi/mmc/features/restricted-overwrite.js';
import { dvdPlusRwFeatureDescriptor } from '../../scsi/mmc/features/dvd-plus-rw.js';
import { dvdPlusRFeatureDescriptor } from '../../scsi/mmc/features/dvd-plus-r.js';
import { cdTrackAtOnceFeatureDescriptor } from '../../scsi/mmc/features/cd-track-at-once.js';
import { cdMasteringFeatureDescriptor } from '../../scsi/mmc/features/cd-mastering.js';
import { dvdRRwWriteFeatureDescriptor } from '../../scsi/mmc/features/dvd-r-rw-write.js';
import { bdRPseudoOverwriteFeatureDescriptor } from '../../scsi/mmc/features/bd-r-pseudo-overwrite.js';
import { dvdPlusRDualLayerFeatureDescriptor } from '../../scsi/mmc/features/dvd-plus-r-dual-layer.js';
import { bdReadFeatureDescriptor } from '../../scsi/mmc/features/bd-read.js';
import { bdWriteFeatureDescriptor } from '../../scsi/mmc/features/bd-write.js';
import { powerManagementFeatureDescriptor } from '../../scsi/mmc/features/power-management.js';
import { timeoutFeatureDescriptor } from '../../scsi/mmc/features/timeout.js';
import { realTimeStreamingFeatureDescriptor } from '../../scsi/mmc/features/real-time-streaming.js';
import { writeProtectFeatureDescriptor } from '../../scsi/mmc/features/write-protect.js';
import { multiReadFeatureDescriptor } from '../../scsi/mmc/features/multi-read.js';
import { cdReadFeatureDescriptor } from '../../scsi/mmc/features/cd-read.js';
import { dvdReadFeatureDescriptor } from '../../scsi/mmc/features/dvd-read.js';
import { hardwareDefectManagementFeatureDescriptor } from '../../scsi/mmc/features/hardware-defect-management.js';
import { rigidRestrictedOverwriteFeatureDescriptor } from '../../scsi/mmc/features/rigid-restricted-overwrite.js';
import { dvdCssFeatureDescriptor } from '../../scsi/mmc/features/dvd-css.js';
import { driveSerialNumberFeatureDescriptor } from '../../scsi/mmc/features/drive-serial-number.js';
import type { DriveCore } from './core.js';
import type { Disc } from './disc.js';
import { DRIVE_PROFILES, Profile } from './media.js';

/** Bit n set for each Data Block Type n. */
function mask(types: readonly number[]): number {
  return types.reduce((m, t) => m | (1 << t), 0);
}

const CD_TAO_BLOCK_TYPES = mask([0, 8, 9, 10, 11, 12, 13]);
/** BD class 0 bitmaps: versions 1 and 2 of each format. */
const BD_CLASSES = [0x0006, 0, 0, 0] as const;
/** Drive Serial Number (0108h) of every virtual drive. */
export const VIRTUAL_SERIAL_NUMBER = 'DW00000001';

export function driveFeatures(core: DriveCore, disc: Disc | undefined): FeatureDescriptor[] {
  const id = disc?.spec.id;
  const family = disc?.spec.family;
  const cd = family === 'cd';
  const dvdMinus =
    id === 'dvd-r' || (id === 'dvd-rw' && disc?.profile === Profile.DVD_RW_SEQUENTIAL);
  const readable = disc !== undefined && (disc.random || disc.status().disc !== 'blank');
  const blocking = disc?.spec.allocationUnit ?? 1;
  const current = (on: boolean) => ({ current: on });
  const tray = core.options.loader === 'tray';
  const streaming = core.options.streaming;
  const features: FeatureDescriptor[] = [
    profileListFeatureDescriptor({
      profiles: DRIVE_PROFILES.map((p) => ({ profileNumber: p, currentP: p === disc?.profile })),
    }),
    coreFeatureDescriptor({
      physicalInterfaceStandard: PhysicalInterfaceStandard.UNSPECIFIED,
      inq2: true,
      dbe: false,
    }),
    morphingFeatureDescriptor({ ocEvent: true, async: false }),
    removableMediumFeatureDescriptor({
      loadingMechanismType: tray ? LoadingMechanismType.TRAY : LoadingMechanismType.CADDY_SLOT,
      load: tray,
      eject: true,
      pvntJmpr: true,
      dbml: false,
      lock: true,
    }),
    // Which of these a real drive marks current for each media is not on record: a disc that
    // can be read or written makes them current (docs/virtual-drive.md).
    writeProtectFeatureDescriptor(
      { dwp: false, wdcb: true, spwp: false, sswpp: false },
      current(disc !== undefined),
    ),
    randomReadableFeatureDescriptor(
      { logicalBlockSize: 2048, blocking, pp: true },
      current(readable),
    ),
    multiReadFeatureDescriptor(current(cd)),
    cdReadFeatureDescriptor({ dap: false, c2Flags: true, cdText: true }, current(cd)),
    dvdReadFeatureDescriptor(
      { multi110: true, dvdRwDualLayer: false, dualR: true },
      current(family === 'dvd'),
    ),
    randomWritableFeatureDescriptor(
      {
        lastLba: disc?.random === true ? disc.capacity - 1 : 0,
        logicalBlockSize: 2048,
        blocking,
        pp: true,
      },
      current(disc?.random === true && id !== 'dvd-rw'),
    ),
    incrementalStreamingWritableFeatureDescriptor(
      {
        dataBlockTypesSupported: cd ? CD_TAO_BLOCK_TYPES : mask([8]),
        trio: false,
        arsv: true,
        buf: true,
        linkSizes: cd ? [7] : [16],
      },
      current(cd || (dvdMinus && disc?.minimallyBlanked !== true)),
    ),
    formattableFeatureDescriptor(
      { reNoSa: true, expand: false, qCert: false, cert: false, rrm: false },
      current(
        id === 'dvd+rw' || id === 'bd-re' || id === 'dvd-ram' || id === 'dvd-rw' || id === 'bd-r',
      ),
    ),
    hardwareDefectManagementFeatureDescriptor(
      { ssa: true },
      current(id === 'dvd-ram' || id === 'bd-re' || disc?.spareFormatted === true),
    ),
    restrictedOverwriteFeatureDescriptor(
      current(disc?.profile === Profile.DVD_RW_RESTRICTED_OVERWRITE),
    ),
    rigidRestrictedOverwriteFeatureDescriptor(
      { dsdg: false, dsdr: false, intermediate: true, blank: true },
      current(disc?.profile === Profile.DVD_RW_RESTRICTED_OVERWRITE),
    ),
    dvdPlusRwFeatureDescriptor(
      { write: true, quickStart: true, closeOnly: false },
      current(id === 'dvd+rw'),
    ),
    dvdPlusRFeatureDescriptor({ write: true }, current(id === 'dvd+r' || id === 'dvd+r-dl')),
    cdTrackAtOnceFeatureDescriptor(
      {
        buf: true,
        rwRaw: true,
        rwPack: true,
        testWrite: true,
        cdRw: true,
        rwSubcode: true,
        dataTypeSupported: CD_TAO_BLOCK_TYPES,
      },
      current(cd),
    ),
    cdMasteringFeatureDescriptor(
      {
        buf: true,
        sao: true,
        rawMs: core.options.cdMastering !== 'sao',
        raw: core.options.cdMastering !== 'sao',
        testWrite: true,
        cdRw: true,
        rw: core.options.cdMastering === 'raw96',
        maximumCueSheetLength: 0xffff,
      },
      current(cd),
    ),
    dvdRRwWriteFeatureDescriptor(
      { buf: true, rdl: false, testWrite: true, dvdRwSl: true },
      current(id === 'dvd-r' || id === 'dvd-rw'),
    ),
    // Current only for a BD-R formatted SRM+POW (growisofs reads the current bit to decide).
    bdRPseudoOverwriteFeatureDescriptor(current(disc?.pow === true)),
    dvdPlusRDualLayerFeatureDescriptor({ write: true }, current(id === 'dvd+r-dl')),
    bdReadFeatureDescriptor(
      { bdReReadSupport: BD_CLASSES, bdRReadSupport: BD_CLASSES, bdRomReadSupport: BD_CLASSES },
      current(family === 'bd'),
    ),
    bdWriteFeatureDescriptor(
      { svnr: true, bdReWriteSupport: BD_CLASSES, bdRWriteSupport: BD_CLASSES },
      current(family === 'bd'),
    ),
    powerManagementFeatureDescriptor(),
    timeoutFeatureDescriptor({ group3: false, unitLength: 0 }),
    // Recordable DVDs carry no CSS keys: the feature is listed, current only for CSS media.
    dvdCssFeatureDescriptor({ cssVersion: 1 }, current(false)),
    driveSerialNumberFeatureDescriptor({ serialNumber: VIRTUAL_SERIAL_NUMBER }),
  ];
  if (streaming !== 'absent') {
    features.push(
      realTimeStreamingFeatureDescriptor(
        // RBCB: READ BUFFER CAPACITY with Block = 1, which a drive without the command lacks.
        {
          rbcb: core.options.readBufferCapacity,
          scs: true,
          mp2a: true,
          wspd: true,
          sw: streaming === 'on',
        },
        current(disc !== undefined && core.tray === 'closed'),
      ),
    );
  }
  return features;
}
