import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DwError,
  HR,
  HR_TABLE,
  MalformedDataError,
  failed,
  formatHr,
  hrHint,
  hrName,
  hrText,
  hresultFromWin32,
  invalidArgument,
} from '../src/errors.js';
import { hrFromSense, hrFromSenseCodes } from '../src/scsi/sense-hresult.js';
import { h } from './helpers/bytes.js';
import { LOSS_OF_STREAMING } from './helpers/sense.js';

// Every row of spec §6.2 and §6.3, copied by hand: [display name, value].
const SPEC_6_2: [string, number][] = [
  ['S_OK', 0x00000000],
  ['E_NOTIMPL', 0x80004001],
  ['E_POINTER', 0x80004003],
  ['E_FAIL', 0x80004005],
  ['E_ACCESSDENIED', 0x80070005],
  ['HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)', 0x80070006],
  ['E_OUTOFMEMORY', 0x8007000e],
  ['HRESULT_FROM_WIN32(ERROR_DEV_NOT_EXIST)', 0x80070037],
  ['E_INVALIDARG', 0x80070057],
  ['HRESULT_FROM_WIN32(ERROR_INVALID_ADDRESS)', 0x800701e7],
  ['HRESULT_FROM_WIN32(ERROR_IO_DEVICE)', 0x8007045d],
  ['STG_E_FILENOTFOUND', 0x80030002],
  ['STG_E_ACCESSDENIED', 0x80030005],
  ['STG_E_READFAULT', 0x8003001e],
];

// Beyond the spec's tables (docs/decisions.md, "One sense policy"): [display name, value].
const BEYOND_SPEC: [string, number][] = [
  ['HRESULT_FROM_WIN32(ERROR_DISK_FULL)', 0x80070070],
  ['HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT)', 0x80070570],
];

const SPEC_6_3: [string, number][] = [
  ['E_IMAPI_REQUEST_CANCELLED', 0xc0aa0002],
  ['E_IMAPI_RECORDER_REQUIRED', 0xc0aa0003],
  ['S_IMAPI_SPEEDADJUSTED', 0x00aa0004],
  ['S_IMAPI_ROTATIONADJUSTED', 0x00aa0005],
  ['S_IMAPI_BOTHADJUSTED', 0x00aa0006],
  ['E_IMAPI_BURN_VERIFICATION_FAILED', 0xc0aa0007],
  ['S_IMAPI_COMMAND_HAS_SENSE_DATA', 0x00aa0200],
  ['E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE', 0xc0aa0201],
  ['E_IMAPI_RECORDER_MEDIA_NO_MEDIA', 0xc0aa0202],
  ['E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE', 0xc0aa0203],
  ['E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN', 0xc0aa0204],
  ['E_IMAPI_RECORDER_MEDIA_BECOMING_READY', 0xc0aa0205],
  ['E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS', 0xc0aa0206],
  ['E_IMAPI_RECORDER_MEDIA_BUSY', 0xc0aa0207],
  ['E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS', 0xc0aa0208],
  ['E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED', 0xc0aa0209],
  ['E_IMAPI_RECORDER_NO_SUCH_FEATURE', 0xc0aa020a],
  ['E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT', 0xc0aa020b],
  ['E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED', 0xc0aa020c],
  ['E_IMAPI_RECORDER_COMMAND_TIMEOUT', 0xc0aa020d],
  ['E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT', 0xc0aa020e],
  ['E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH', 0xc0aa020f],
  ['E_IMAPI_RECORDER_LOCKED', 0xc0aa0210],
  ['E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID', 0xc0aa0211],
  ['E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED', 0xc0aa0212],
  ['E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE', 0xc0aa02ff],
  ['E_IMAPI_LOSS_OF_STREAMING', 0xc0aa0300],
  ['E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE', 0xc0aa0301],
  ['S_IMAPI_WRITE_NOT_IN_PROGRESS', 0x00aa0302],
  ['E_IMAPI_DF2DATA_WRITE_IN_PROGRESS', 0xc0aa0400],
  ['E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS', 0xc0aa0401],
  ['E_IMAPI_DF2DATA_INVALID_MEDIA_STATE', 0xc0aa0402],
  ['E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED', 0xc0aa0403],
  ['E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA', 0xc0aa0404],
  ['E_IMAPI_DF2DATA_MEDIA_NOT_BLANK', 0xc0aa0405],
  ['E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED', 0xc0aa0406],
  ['E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED', 0xc0aa0407],
  ['E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID', 0xc0aa0408],
  ['E_IMAPI_DF2TAO_WRITE_IN_PROGRESS', 0xc0aa0500],
  ['E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS', 0xc0aa0501],
  ['E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED', 0xc0aa0502],
  ['E_IMAPI_DF2TAO_MEDIA_IS_PREPARED', 0xc0aa0503],
  ['E_IMAPI_DF2TAO_PROPERTY_FOR_BLANK_MEDIA_ONLY', 0xc0aa0504],
  ['E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC', 0xc0aa0505],
  ['E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK', 0xc0aa0506],
  ['E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED', 0xc0aa0507],
  ['E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED', 0xc0aa0508],
  ['E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE', 0xc0aa0509],
  ['E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED', 0xc0aa050a],
  ['E_IMAPI_DF2TAO_INVALID_ISRC', 0xc0aa050b],
  ['E_IMAPI_DF2TAO_INVALID_MCN', 0xc0aa050c],
  ['E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED', 0xc0aa050d],
  ['E_IMAPI_DF2TAO_RECORDER_NOT_SUPPORTED', 0xc0aa050e],
  ['E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID', 0xc0aa050f],
  ['E_IMAPI_DF2RAW_WRITE_IN_PROGRESS', 0xc0aa0600],
  ['E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS', 0xc0aa0601],
  ['E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED', 0xc0aa0602],
  ['E_IMAPI_DF2RAW_MEDIA_IS_PREPARED', 0xc0aa0603],
  ['E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID', 0xc0aa0604],
  ['E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK', 0xc0aa0606],
  ['E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED', 0xc0aa0607],
  ['E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE', 0xc0aa0609],
  ['E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED', 0xc0aa060a],
  ['E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED', 0xc0aa060d],
  ['E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED', 0xc0aa060e],
  ['E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT', 0xc0aa060f],
  ['E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED', 0xc0aa0610],
  ['E_IMAPI_ERASE_RECORDER_IN_USE', 0x80aa0900],
  ['E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED', 0x80aa0901],
  ['E_IMAPI_ERASE_DISC_INFORMATION_TOO_SMALL', 0x80aa0902],
  ['E_IMAPI_ERASE_MODE_PAGE_2A_TOO_SMALL', 0x80aa0903],
  ['E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE', 0x80aa0904],
  ['E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND', 0x80aa0905],
  ['E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR', 0x80aa0906],
  ['E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE', 0x80aa0907],
  ['E_IMAPI_ERASE_DRIVE_FAILED_SPINUP_COMMAND', 0x80aa0908],
  ['E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED', 0xc0aa0909],
  ['E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED', 0xc0aa090a],
  ['E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID', 0xc0aa090b],
  ['E_IMAPI_RAW_IMAGE_IS_READ_ONLY', 0x80aa0a00],
  ['E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS', 0x80aa0a01],
  ['E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED', 0x80aa0a02],
  ['E_IMAPI_RAW_IMAGE_NO_TRACKS', 0x80aa0a03],
  ['E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED', 0x80aa0a04],
  ['E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE', 0x80aa0a05],
  ['E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES', 0x80aa0a06],
  ['E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND', 0x80aa0a07],
  ['S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS', 0x00aa0a08],
  ['E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED', 0x80aa0a09],
  ['E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX', 0x80aa0a0a],
];

/** `HRESULT_FROM_WIN32(ERROR_X)` is keyed `ERROR_X` in HR; every other name is its own key. */
const keyOf = (name: string) => name.replace(/^HRESULT_FROM_WIN32\((\w+)\)$/, '$1');

describe('HR table (spec §6.2, §6.3)', () => {
  const rows = [...SPEC_6_2, ...SPEC_6_3, ...BEYOND_SPEC];

  it('has every row of the spec with its value and display name', () => {
    for (const [name, value] of rows) {
      assert.equal((HR as Record<string, number>)[keyOf(name)], value, name);
      assert.equal(hrName(value), name);
      assert.notEqual(hrText(value), 'Unknown HRESULT.', name);
    }
  });
  it('has nothing the spec (or the decisions beyond it) does not list', () => {
    assert.deepEqual(Object.keys(HR).sort(), rows.map(([n]) => keyOf(n)).sort());
    assert.equal(Object.keys(HR_TABLE).length, rows.length);
  });
  it('keeps HR frozen and its values unsigned', () => {
    assert.ok(Object.isFrozen(HR));
    for (const v of Object.values(HR)) assert.ok(v >= 0 && v <= 0xffffffff);
  });
  it('leaves the reserved raw-writer codes unnamed', () => {
    for (const v of [0xc0aa0605, 0xc0aa0608, 0xc0aa060b, 0xc0aa060c]) {
      assert.equal(hrName(v), `HRESULT_0x${v.toString(16).toUpperCase()}`);
    }
  });
  it('has hints for the failures a user can act on', () => {
    assert.match(hrHint(0xc0aa0202) ?? '', /Insert a disc/);
    assert.equal(hrHint(0x00aa0004), undefined);
    assert.equal(hrHint(0x12345678), undefined);
    assert.equal(hrText(0x12345678), 'Unknown HRESULT.');
  });
});

describe('failed, hresultFromWin32, formatHr, hrName', () => {
  it('failed() tests bit 31 only', () => {
    assert.equal(failed(0x00000000), false);
    assert.equal(failed(0x00aa0200), false); // S_IMAPI_COMMAND_HAS_SENSE_DATA is success-class
    assert.equal(failed(0x00aa0004), false);
    assert.equal(failed(0x7fffffff), false);
    assert.equal(failed(0x80000000), true);
    assert.equal(failed(0x80004005), true);
    assert.equal(failed(0xc0aa0002), true);
    assert.equal(failed(-2147467259), true); // E_FAIL as a signed 32-bit number
  });
  it('hresultFromWin32 maps Win32 codes into facility 7 and passes values <= 0 through', () => {
    assert.equal(hresultFromWin32(5), 0x80070005);
    assert.equal(hresultFromWin32(6), 0x80070006);
    assert.equal(hresultFromWin32(55), 0x80070037);
    assert.equal(hresultFromWin32(87), 0x80070057);
    assert.equal(hresultFromWin32(487), 0x800701e7);
    assert.equal(hresultFromWin32(1117), 0x8007045d);
    assert.equal(hresultFromWin32(0x12345), 0x80072345);
    assert.equal(hresultFromWin32(0), 0);
    assert.equal(hresultFromWin32(-2147024891), 0x80070005);
  });
  it('formatHr prints eight upper-case hex digits', () => {
    assert.equal(formatHr(0xc0aa0002), '0xC0AA0002');
    assert.equal(formatHr(0), '0x00000000');
    assert.equal(formatHr(-1), '0xFFFFFFFF');
  });
  it('hrName gives HRESULT_0x… for unnamed values and accepts signed input', () => {
    assert.equal(hrName(0x12345678), 'HRESULT_0x12345678');
    assert.equal(hrName(0x00aa0001), 'HRESULT_0x00AA0001');
    assert.equal(hrName(-1), 'HRESULT_0xFFFFFFFF');
    assert.equal(hrName(0xc0aa0002 | 0), 'E_IMAPI_REQUEST_CANCELLED');
  });
});

describe('DwError', () => {
  it('carries the unsigned HRESULT, its name, the table text and hint by default', () => {
    const e = new DwError(0xc0aa0202 | 0);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'DwError');
    assert.equal(e.hr, 0xc0aa0202);
    assert.equal(e.code, 'E_IMAPI_RECORDER_MEDIA_NO_MEDIA');
    assert.equal(e.message, 'Drive is empty.');
    assert.equal(e.hint, 'Insert a disc and try again.');
    for (const k of [
      'sense',
      'senseInfo',
      'command',
      'cdb',
      'lba',
      'blocks',
      'attempts',
    ] as const) {
      assert.equal(e[k], undefined);
    }
    assert.equal('cause' in e, false);
  });
  it('keeps every option it is given', () => {
    const cause = new Error('EIO');
    const sense = h('71 00 03 00000400 0A 00000000 0C 09 00 000000');
    const cdb = h('2A 00 00000400 00 0020 00');
    const lastSense = h('70 00 02 00000000 0A 00000000 04 08 00 000000');
    const e = new DwError(HR.E_IMAPI_LOSS_OF_STREAMING, {
      message: 'underrun at 1024',
      cause,
      hint: 'slow down',
      sense,
      senseInfo: { ...LOSS_OF_STREAMING, information: 1024, deferred: true },
      command: 'WRITE(10)',
      cdb,
      lba: 1024,
      blocks: 32,
      attempts: 3,
      lastHr: HR.E_IMAPI_RECORDER_MEDIA_BUSY,
      lastSense,
    });
    assert.equal(e.message, 'underrun at 1024');
    assert.equal(e.cause, cause);
    assert.equal(e.hint, 'slow down');
    assert.equal(e.sense, sense);
    assert.equal(e.senseInfo?.information, 1024);
    assert.equal(e.command, 'WRITE(10)');
    assert.equal(e.cdb, cdb);
    assert.deepEqual([e.lba, e.blocks, e.attempts], [1024, 32, 3]);
    assert.equal(e.lastHr, 0xc0aa0207);
    assert.equal(e.lastSense, lastSense);
  });
  it('describe() lists code, value, message, command, sense, LBA, attempts and hint', () => {
    const e = new DwError(HR.E_IMAPI_LOSS_OF_STREAMING, {
      command: 'WRITE(10)',
      senseInfo: { ...LOSS_OF_STREAMING, deferred: true },
      lba: 1024,
      blocks: 32,
      attempts: 3,
    });
    assert.equal(
      e.describe(),
      [
        'E_IMAPI_LOSS_OF_STREAMING (0xC0AA0300): Buffer underrun: the drive ran dry while recording.',
        '  command: WRITE(10)',
        '  sense: 03/0C/09 MEDIUM ERROR: WRITE ERROR - LOSS OF STREAMING (deferred)',
        '  lba: 1024 (32 blocks)',
        '  attempts: 3',
        '  what to do: The drive buffer ran dry: use a faster source, a lower speed, or enable BUFE.',
      ].join('\n'),
    );
  });
  it('describe() leaves out what is not known, and a single attempt', () => {
    assert.equal(
      new DwError(0x00aa0004, { attempts: 1, lba: 7 }).describe(),
      'S_IMAPI_SPEEDADJUSTED (0x00AA0004): Success; speed replaced by the closest one offered.\n  lba: 7',
    );
    assert.equal(
      new DwError(0x80aa0bad).describe(),
      'HRESULT_0x80AA0BAD (0x80AA0BAD): Unknown HRESULT.',
    );
  });
  it('MalformedDataError is a DwError with the invalid-response HRESULT', () => {
    const e = new MalformedDataError('bad length');
    assert.ok(e instanceof DwError);
    assert.equal(e.name, 'MalformedDataError');
    assert.equal(e.hr, 0xc0aa02ff);
    assert.equal(e.code, 'E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE');
    assert.equal(e.message, 'malformed data: bad length');
  });
  it('invalidArgument() gives E_INVALIDARG with the message', () => {
    const e = invalidArgument('lba out of range');
    assert.ok(e instanceof DwError);
    assert.equal(e.hr, 0x80070057);
    assert.equal(e.code, 'E_INVALIDARG');
    assert.equal(e.message, 'lba out of range');
  });
});

// Spec §7, one row each: [key, asc, ascq, opcode, expected]. Opcodes: 2Ah WRITE(10), 5Ah MODE
// SENSE(10), 55h MODE SELECT(10), ADh READ DISC STRUCTURE, 46h GET CONFIGURATION.
const SPEC_7: [number, number, number, number, number, string][] = [
  [0x1, 0x17, 0x01, 0x2a, 0x00000000, '1/xx/xx recovered error: success'],
  [0x1, 0x5d, 0x00, 0x2a, 0x00000000, '1/xx/xx recovered error (another ASC): success'],
  [0x2, 0x04, 0x01, 0x2a, 0xc0aa0205, '2/04/01 becoming ready'],
  [0x2, 0x04, 0x04, 0x2a, 0xc0aa0206, '2/04/04 format in progress'],
  [0x2, 0x04, 0x07, 0x2a, 0xc0aa0207, '2/04/07 operation in progress'],
  [0x2, 0x04, 0x08, 0x2a, 0xc0aa0207, '2/04/08 long write in progress'],
  [0x2, 0x04, 0x00, 0x2a, 0xc0aa0205, '2/04/other: cause not reportable'],
  [0x2, 0x04, 0x03, 0x2a, 0xc0aa0205, '2/04/other: manual intervention'],
  [0x2, 0x3a, 0x00, 0x00, 0xc0aa0202, '2/3A/00 medium not present'],
  [0x2, 0x3a, 0x02, 0x00, 0xc0aa0202, '2/3A/02 medium not present, tray open'],
  [0x2, 0x30, 0x00, 0x2a, 0xc0aa0203, '2/30/xx incompatible medium'],
  [0x5, 0x30, 0x05, 0x2a, 0xc0aa0203, '5/30/xx cannot write medium'],
  [0x7, 0x27, 0x00, 0x2a, 0xc0aa0209, '7/27/xx write protected'],
  [0x7, 0x27, 0x05, 0x2a, 0xc0aa0209, '7/27/05 permanent write protect'],
  [0x3, 0x0c, 0x09, 0x2a, 0xc0aa0300, '3/0C/09 loss of streaming'],
  [0x3, 0x0c, 0x00, 0x2a, 0xc0aa0301, '3/0C/other write error'],
  [0x3, 0x11, 0x00, 0x28, 0xc0aa0301, '3/xx/xx medium error'],
  [0x4, 0x44, 0x00, 0x2a, 0xc0aa0301, '4/xx/xx hardware error'],
  [0x4, 0x0c, 0x09, 0x2a, 0xc0aa0301, '4/0C/09 is a hardware error, not loss of streaming'],
  [0x5, 0x21, 0x00, 0x2a, 0x800701e7, '5/21/00 LBA out of range'],
  [0x5, 0x21, 0x02, 0x2a, 0x800701e7, '5/21/02 invalid address for write'],
  [0x5, 0x24, 0x00, 0x2a, 0x80070057, '5/24/00 invalid field in CDB'],
  [0x5, 0x24, 0x00, 0x5a, 0xc0aa0201, '5/24/00 for MODE SENSE: no such mode page'],
  [0x5, 0x24, 0x00, 0xad, 0xc0aa020e, '5/24/00 for READ DISC STRUCTURE: not present'],
  [0x5, 0x26, 0x00, 0x55, 0xc0aa0208, '5/26/xx for MODE SELECT: invalid mode parameters'],
  [0x5, 0x26, 0x02, 0x55, 0xc0aa0208, '5/26/02 for MODE SELECT'],
  [0x5, 0x26, 0x00, 0xb6, 0x80070057, '5/26/xx otherwise: E_INVALIDARG'],
  [0x5, 0x64, 0x00, 0x2a, 0xc0aa0208, '5/64/00 illegal mode for this track'],
  [0x5, 0x20, 0x00, 0x46, 0xc0aa020c, '5/20/00 for GET CONFIGURATION'],
  [0x5, 0x20, 0x00, 0xac, 0x80004001, '5/20/00 otherwise: E_NOTIMPL'],
  [0x6, 0x28, 0x00, 0x00, 0xc0aa0205, '6/28/00 medium may have changed'],
  [0x6, 0x29, 0x00, 0x00, 0x8007045d, '6/29/00 power on or reset'],
  [0x6, 0x29, 0x07, 0x00, 0x8007045d, '6/29/07 I_T nexus loss'],
  [0x5, 0x21, 0x01, 0x2a, 0xc0aa0301, 'anything else: 5/21/01'],
  [0x5, 0x24, 0x01, 0x5a, 0xc0aa0301, 'anything else: 5/24/01 even for MODE SENSE'],
  [0x5, 0x64, 0x01, 0x2a, 0xc0aa0301, 'anything else: 5/64/01'],
  [0x2, 0x24, 0x00, 0xad, 0xc0aa0301, 'anything else: 2/24/00 (tgt quirk)'],
  [0x6, 0x2a, 0x01, 0x00, 0xc0aa0301, 'anything else: 6/2A/01'],
  [0x7, 0x6f, 0x03, 0x28, 0xc0aa0301, 'anything else: 7/6F/03'],
  [0x8, 0x00, 0x00, 0x28, 0xc0aa0301, 'anything else: blank check'],
  [0xb, 0x47, 0x00, 0x2a, 0xc0aa0301, 'anything else: aborted command'],
];

/** Fixed sense by hand: 70h (or 71h), key at byte 2, ASC/ASCQ at 12/13. */
const fixedSense = (key: number, asc: number, ascq: number, deferred = false) =>
  Uint8Array.of(deferred ? 0x71 : 0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0);

/** Descriptor sense by hand: 72h (or 73h), key/ASC/ASCQ at bytes 1..3, no descriptors. */
const descriptorSense = (key: number, asc: number, ascq: number, deferred = false) =>
  Uint8Array.of(deferred ? 0x73 : 0x72, key, asc, ascq, 0, 0, 0, 0);

describe('sense → HRESULT (spec §7)', () => {
  for (const [key, asc, ascq, op, hr, row] of SPEC_7) {
    it(row, () => {
      assert.equal(hrFromSenseCodes(key, asc, ascq, op), hr);
      assert.equal(hrFromSense(fixedSense(key, asc, ascq), op), hr, 'fixed');
      assert.equal(hrFromSense(fixedSense(key, asc, ascq, true), op), hr, 'deferred fixed');
      assert.equal(hrFromSense(descriptorSense(key, asc, ascq), op), hr, 'descriptor');
      assert.equal(hrFromSense(descriptorSense(key, asc, ascq, true), op), hr, 'deferred descr.');
    });
  }
  it('uses the opcode refinements only for their own opcode', () => {
    assert.equal(hrFromSenseCodes(5, 0x24, 0, 0x55), HR.E_INVALIDARG);
    assert.equal(hrFromSenseCodes(5, 0x26, 0, 0x5a), HR.E_INVALIDARG);
    assert.equal(hrFromSenseCodes(5, 0x20, 0, 0xad), HR.E_NOTIMPL);
    assert.equal(hrFromSenseCodes(5, 0x24, 0), HR.E_INVALIDARG);
  });
  it('maps descriptor sense carrying an information descriptor like its fixed form', () => {
    const d = h('73 03 0C 09 000000 0C 00 0A 80 00 0000000000000400');
    assert.equal(hrFromSense(d, 0x2a), HR.E_IMAPI_LOSS_OF_STREAMING);
  });
  it('gives E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE for CHECK CONDITION without usable sense', () => {
    assert.equal(hrFromSense(h(''), 0x2a), 0xc0aa02ff);
    assert.equal(hrFromSense(h('00 00 00 00'), 0x2a), 0xc0aa02ff);
    assert.equal(hrFromSense(h('7F 00 05 00'), 0x2a), 0xc0aa02ff);
  });
});

describe('sense key NO SENSE under CHECK CONDITION', () => {
  it('is not in the §7 table and maps to the last row', () => {
    assert.equal(hrFromSenseCodes(0x0, 0x00, 0x00), HR.E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
    assert.equal(hrFromSenseCodes(0x1, 0x17, 0x01), HR.S_OK);
  });
});
