// MMC profiles (MMC-6 5.3.1, Profile List; spec §5 ProfileType). Pure. A profile number names a
// class of medium/drive behaviour; GET CONFIGURATION reports the current one in the feature header
// and all supported ones in the Profile List feature (0000h).

/**
 * IMAPI_PROFILE_TYPE: the IMAPI2 names of the MMC profile numbers (spec §5). Profiles are an open
 * set — a drive may report any 16-bit number — so values are typed as `number` where they are read.
 */
export const ProfileType = {
  INVALID: 0x0000,
  NON_REMOVABLE_DISK: 0x0001,
  REMOVABLE_DISK: 0x0002,
  MO_ERASABLE: 0x0003,
  MO_WRITE_ONCE: 0x0004,
  AS_MO: 0x0005,
  CDROM: 0x0008,
  CD_RECORDABLE: 0x0009,
  CD_REWRITABLE: 0x000a,
  DVDROM: 0x0010,
  DVD_DASH_RECORDABLE: 0x0011,
  DVD_RAM: 0x0012,
  DVD_DASH_REWRITABLE: 0x0013,
  DVD_DASH_RW_SEQUENTIAL: 0x0014,
  DVD_DASH_R_DUAL_SEQUENTIAL: 0x0015,
  DVD_DASH_R_DUAL_LAYER_JUMP: 0x0016,
  DVD_PLUS_RW: 0x001a,
  DVD_PLUS_R: 0x001b,
  DDCDROM: 0x0020,
  DDCD_RECORDABLE: 0x0021,
  DDCD_REWRITABLE: 0x0022,
  DVD_PLUS_RW_DUAL: 0x002a,
  DVD_PLUS_R_DUAL: 0x002b,
  BD_ROM: 0x0040,
  BD_R_SEQUENTIAL: 0x0041,
  BD_R_RANDOM_RECORDING: 0x0042,
  BD_REWRITABLE: 0x0043,
  HD_DVD_ROM: 0x0050,
  HD_DVD_RECORDABLE: 0x0051,
  HD_DVD_RAM: 0x0052,
  NON_STANDARD: 0xffff,
} as const;

export type ProfileTypeName = keyof typeof ProfileType;

// Display names as the MMC profile table words them. A few MMC-6 profiles that IMAPI2 has no name
// for (DVD-RW DL, DVD-Download, HD DVD-RW and the HD DVD dual-layer ones) are named here too.
const profileNames = new Map<number, string>([
  [0x0000, 'No current profile'],
  [0x0001, 'Non-removable disk'],
  [0x0002, 'Removable disk'],
  [0x0003, 'MO erasable'],
  [0x0004, 'MO write once'],
  [0x0005, 'AS-MO'],
  [0x0008, 'CD-ROM'],
  [0x0009, 'CD-R'],
  [0x000a, 'CD-RW'],
  [0x0010, 'DVD-ROM'],
  [0x0011, 'DVD-R sequential recording'],
  [0x0012, 'DVD-RAM'],
  [0x0013, 'DVD-RW restricted overwrite'],
  [0x0014, 'DVD-RW sequential recording'],
  [0x0015, 'DVD-R DL sequential recording'],
  [0x0016, 'DVD-R DL layer jump recording'],
  [0x0017, 'DVD-RW DL'],
  [0x0018, 'DVD-Download disc recording'],
  [0x001a, 'DVD+RW'],
  [0x001b, 'DVD+R'],
  [0x0020, 'DDCD-ROM'],
  [0x0021, 'DDCD-R'],
  [0x0022, 'DDCD-RW'],
  [0x002a, 'DVD+RW DL'],
  [0x002b, 'DVD+R DL'],
  [0x0040, 'BD-ROM'],
  [0x0041, 'BD-R SRM'],
  [0x0042, 'BD-R RRM'],
  [0x0043, 'BD-RE'],
  [0x0050, 'HD DVD-ROM'],
  [0x0051, 'HD DVD-R'],
  [0x0052, 'HD DVD-RAM'],
  [0x0053, 'HD DVD-RW'],
  [0x0058, 'HD DVD-R DL'],
  [0x005a, 'HD DVD-RW DL'],
  [0xffff, 'Non-standard profile'],
]);

const profileKeys = new Map<number, ProfileTypeName>(
  Object.entries(ProfileType).map(([k, v]) => [v, k as ProfileTypeName]),
);

/** Human name of a profile: `DVD+R`, `BD-RE`, or `Profile 0x0099` for one MMC does not define. */
export function profileName(profile: number): string {
  return (
    profileNames.get(profile) ??
    `Profile 0x${(profile >>> 0).toString(16).toUpperCase().padStart(4, '0')}`
  );
}

/** The ProfileType key (IMAPI2 spelling) of a profile number, or undefined if it has none. */
export function profileTypeName(profile: number): ProfileTypeName | undefined {
  return profileKeys.get(profile);
}
