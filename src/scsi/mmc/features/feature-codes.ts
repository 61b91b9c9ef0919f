// MMC feature codes (MMC-6 5.3; spec §5 FeaturePageType). Pure. GET CONFIGURATION reports one
// feature descriptor per supported feature; features are an open set, so codes read from a drive
// are typed as `number`.

/** IMAPI_FEATURE_PAGE_TYPE: the IMAPI2 names of the MMC feature codes (spec §5). */
export const FeaturePageType = {
  PROFILE_LIST: 0x000,
  CORE: 0x001,
  MORPHING: 0x002,
  REMOVABLE_MEDIUM: 0x003,
  WRITE_PROTECT: 0x004,
  RANDOMLY_READABLE: 0x010,
  CD_MULTIREAD: 0x01d,
  CD_READ: 0x01e,
  DVD_READ: 0x01f,
  RANDOMLY_WRITABLE: 0x020,
  INCREMENTAL_STREAMING_WRITABLE: 0x021,
  SECTOR_ERASABLE: 0x022,
  FORMATTABLE: 0x023,
  HARDWARE_DEFECT_MANAGEMENT: 0x024,
  WRITE_ONCE: 0x025,
  RESTRICTED_OVERWRITE: 0x026,
  CDRW_CAV_WRITE: 0x027,
  MRW: 0x028,
  ENHANCED_DEFECT_REPORTING: 0x029,
  DVD_PLUS_RW: 0x02a,
  DVD_PLUS_R: 0x02b,
  RIGID_RESTRICTED_OVERWRITE: 0x02c,
  CD_TRACK_AT_ONCE: 0x02d,
  CD_MASTERING: 0x02e,
  DVD_DASH_WRITE: 0x02f,
  /** Deprecated in MMC-6. */
  DOUBLE_DENSITY_CD_READ: 0x030,
  /** Deprecated in MMC-6. */
  DOUBLE_DENSITY_CD_R_WRITE: 0x031,
  /** Deprecated in MMC-6. */
  DOUBLE_DENSITY_CD_RW_WRITE: 0x032,
  LAYER_JUMP_RECORDING: 0x033,
  CD_RW_MEDIA_WRITE_SUPPORT: 0x037,
  BD_PSEUDO_OVERWRITE: 0x038,
  DVD_PLUS_R_DUAL_LAYER: 0x03b,
  BD_READ: 0x040,
  BD_WRITE: 0x041,
  HD_DVD_READ: 0x050,
  HD_DVD_WRITE: 0x051,
  POWER_MANAGEMENT: 0x100,
  SMART: 0x101,
  EMBEDDED_CHANGER: 0x102,
  CD_ANALOG_PLAY: 0x103,
  MICROCODE_UPDATE: 0x104,
  TIMEOUT: 0x105,
  DVD_CSS: 0x106,
  REAL_TIME_STREAMING: 0x107,
  LOGICAL_UNIT_SERIAL_NUMBER: 0x108,
  MEDIA_SERIAL_NUMBER: 0x109,
  DISC_CONTROL_BLOCKS: 0x10a,
  DVD_CPRM: 0x10b,
  FIRMWARE_INFORMATION: 0x10c,
  AACS: 0x10d,
  VCPS: 0x110,
} as const;

export type FeaturePageTypeName = keyof typeof FeaturePageType;

const featureKeys = new Map<number, FeaturePageTypeName>(
  Object.entries(FeaturePageType).map(([k, v]) => [v, k as FeaturePageTypeName]),
);

/** The FeaturePageType key of a feature code (`REAL_TIME_STREAMING`), or undefined. */
export function featurePageTypeName(featureCode: number): FeaturePageTypeName | undefined {
  return featureKeys.get(featureCode);
}

// Display names as MMC-6 titles the features.
const featureNames = new Map<number, string>([
  [0x000, 'Profile List'],
  [0x001, 'Core'],
  [0x002, 'Morphing'],
  [0x003, 'Removable Medium'],
  [0x004, 'Write Protect'],
  [0x010, 'Random Readable'],
  [0x01d, 'Multi-Read'],
  [0x01e, 'CD Read'],
  [0x01f, 'DVD Read'],
  [0x020, 'Random Writable'],
  [0x021, 'Incremental Streaming Writable'],
  [0x022, 'Sector Erasable'],
  [0x023, 'Formattable'],
  [0x024, 'Hardware Defect Management'],
  [0x025, 'Write Once'],
  [0x026, 'Restricted Overwrite'],
  [0x027, 'CD-RW CAV Write'],
  [0x028, 'MRW'],
  [0x029, 'Enhanced Defect Reporting'],
  [0x02a, 'DVD+RW'],
  [0x02b, 'DVD+R'],
  [0x02c, 'Rigid Restricted Overwrite'],
  [0x02d, 'CD Track at Once'],
  [0x02e, 'CD Mastering'],
  [0x02f, 'DVD-R/-RW Write'],
  [0x030, 'DDCD Read'],
  [0x031, 'DDCD-R Write'],
  [0x032, 'DDCD-RW Write'],
  [0x033, 'Layer Jump Recording'],
  [0x037, 'CD-RW Media Write Support'],
  [0x038, 'BD-R Pseudo-Overwrite'],
  [0x03b, 'DVD+R Dual Layer'],
  [0x040, 'BD Read'],
  [0x041, 'BD Write'],
  [0x050, 'HD DVD Read'],
  [0x051, 'HD DVD Write'],
  [0x100, 'Power Management'],
  [0x101, 'S.M.A.R.T.'],
  [0x102, 'Embedded Changer'],
  [0x103, 'CD Audio External Play'],
  [0x104, 'Microcode Upgrade'],
  [0x105, 'Timeout'],
  [0x106, 'DVD CSS'],
  [0x107, 'Real Time Streaming'],
  [0x108, 'Drive Serial Number'],
  [0x109, 'Media Serial Number'],
  [0x10a, 'Disc Control Blocks'],
  [0x10b, 'DVD CPRM'],
  [0x10c, 'Firmware Information'],
  [0x10d, 'AACS'],
  [0x110, 'VCPS'],
]);

/** Human name of a feature: `Real Time Streaming (0107h)`, or `Feature 0ABCh` when unknown. */
export function featureName(featureCode: number): string {
  const code = `${(featureCode >>> 0).toString(16).toUpperCase().padStart(4, '0')}h`;
  const name = featureNames.get(featureCode);
  return name === undefined ? `Feature ${code}` : `${name} (${code})`;
}
