import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProfileType, profileName, profileTypeName } from '../../../src/scsi/mmc/profiles.js';
import {
  FeaturePageType,
  featureName,
  featurePageTypeName,
} from '../../../src/scsi/mmc/features/feature-codes.js';

describe('ProfileType (spec §5)', () => {
  it('has exactly the IMAPI_PROFILE_TYPE members and values', () => {
    assert.deepEqual(
      { ...ProfileType },
      {
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
      },
    );
  });
  it('names profiles as MMC does', () => {
    assert.equal(profileName(0x001b), 'DVD+R');
    assert.equal(profileName(0x002b), 'DVD+R DL');
    assert.equal(profileName(0x0043), 'BD-RE');
    assert.equal(profileName(0x0041), 'BD-R SRM');
    assert.equal(profileName(0x0009), 'CD-R');
    assert.equal(profileName(0x0000), 'No current profile');
  });
  it('names MMC-6 profiles IMAPI2 lacks, and formats unknown ones in hex', () => {
    assert.equal(profileName(0x0017), 'DVD-RW DL');
    assert.equal(profileName(0x0053), 'HD DVD-RW');
    assert.equal(profileName(0x0099), 'Profile 0x0099');
    assert.equal(profileName(0xabcd), 'Profile 0xABCD');
  });
  it('every ProfileType member has a name', () => {
    for (const v of Object.values(ProfileType)) assert.doesNotMatch(profileName(v), /^Profile 0x/);
  });
  it('maps numbers back to IMAPI2 keys', () => {
    assert.equal(profileTypeName(0x001b), 'DVD_PLUS_R');
    assert.equal(profileTypeName(0x0043), 'BD_REWRITABLE');
    assert.equal(profileTypeName(0x0017), undefined);
  });
});

describe('FeaturePageType (spec §5)', () => {
  it('has the IMAPI_FEATURE_PAGE_TYPE values the codecs rely on', () => {
    const expected: Record<string, number> = {
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
      DOUBLE_DENSITY_CD_READ: 0x030,
      DOUBLE_DENSITY_CD_R_WRITE: 0x031,
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
    };
    assert.deepEqual({ ...FeaturePageType }, expected);
  });
  it('names features', () => {
    assert.equal(featureName(0x0107), 'Real Time Streaming (0107h)');
    assert.equal(featureName(0x002f), 'DVD-R/-RW Write (002Fh)');
    assert.equal(featureName(0xff00), 'Feature FF00h');
    for (const v of Object.values(FeaturePageType))
      assert.doesNotMatch(featureName(v), /^Feature /);
  });
  it('maps codes back to IMAPI2 keys', () => {
    assert.equal(featurePageTypeName(0x0107), 'REAL_TIME_STREAMING');
    assert.equal(featurePageTypeName(0x0035), undefined);
  });
});
