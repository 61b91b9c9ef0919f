// discwright errors and the HRESULT table (spec §6). Pure: no Node APIs, importable by every
// layer. Every failure in discwright is a DwError carrying its IMAPI2 HRESULT and name; device
// failures add the decoded sense, the command and the LBA (the recorder fills those in). Which
// sense gives which HRESULT is src/scsi/sense.ts; what is retried is src/device/sense-policy.ts.

/** An HRESULT: unsigned 32-bit. Bit 31 set means failure. */
export type HResult = number;

interface HrEntry {
  readonly hr: number;
  /** The IMAPI2 / Win32 display name, e.g. `HRESULT_FROM_WIN32(ERROR_DEV_NOT_EXIST)`. */
  readonly name: string;
  /** discwright's one-line meaning. */
  readonly text: string;
  /** What to do about it, when there is something to say. */
  readonly hint?: string;
}

/**
 * Every HRESULT discwright knows (spec §6.2 and the complete imapi2error.h of §6.3, plus
 * ERROR_DISK_FULL: docs/decisions.md, "One sense policy"). Keys keep the IMAPI2 spelling; the
 * Win32 codes use their ERROR_ name (`ERROR_DEV_NOT_EXIST` = 0x80070037).
 */
export const HR_TABLE = {
  S_OK: { hr: 0x00000000, name: 'S_OK', text: 'Success.' },
  E_NOTIMPL: {
    hr: 0x80004001,
    name: 'E_NOTIMPL',
    text: 'Capability missing: streaming WRITE without SW, an opcode the drive rejects, closeTray without a loader.',
    hint: 'The drive or platform lacks this capability.',
  },
  E_POINTER: {
    hr: 0x80004003,
    name: 'E_POINTER',
    text: 'Required object argument missing.',
    hint: 'Pass the missing argument.',
  },
  E_FAIL: {
    hr: 0x80004005,
    name: 'E_FAIL',
    text: 'Engine busy (setters, re-entry), or the source ended before numberOfBlocks blocks.',
    hint: 'See the message; for a short source, provide numberOfBlocks x bytesPerSector bytes.',
  },
  E_ACCESSDENIED: {
    hr: 0x80070005,
    name: 'E_ACCESSDENIED',
    text: 'Exclusive access held elsewhere, or the OS refused to open the device.',
    hint: "Check device permissions or release the other client's exclusive access.",
  },
  ERROR_INVALID_HANDLE: {
    hr: 0x80070006,
    name: 'HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)',
    text: 'Handle closed or never initialised.',
  },
  E_OUTOFMEMORY: { hr: 0x8007000e, name: 'E_OUTOFMEMORY', text: 'Allocation failed.' },
  ERROR_DEV_NOT_EXIST: {
    hr: 0x80070037,
    name: 'HRESULT_FROM_WIN32(ERROR_DEV_NOT_EXIST)',
    text: 'Device disappeared; never retried.',
    hint: 'The device went away (unplugged, reset or connection lost); reconnect it and check the disc.',
  },
  ERROR_DISK_FULL: {
    hr: 0x80070070,
    name: 'HRESULT_FROM_WIN32(ERROR_DISK_FULL)',
    text: 'No space left where the data goes (the file system under an image-backed drive is full).',
    hint: 'Free space on the file system that holds the image, or write a smaller section.',
  },
  ERROR_FILE_CORRUPT: {
    hr: 0x80070570,
    name: 'HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT)',
    text: 'A file discwright keeps a disc in is damaged: an image-backed drive whose sidecar does not parse or does not hold a layout the drive could have written, or whose image lacks blocks the sidecar records.',
    hint: 'Restore the image and its sidecar from a backup; to give up the disc, delete both files (their data is lost).',
  },
  E_INVALIDARG: {
    hr: 0x80070057,
    name: 'E_INVALIDARG',
    text: 'Argument out of range or of the wrong kind; 5/24/00 from the drive.',
    hint: 'Check the arguments; nothing was sent to the device.',
  },
  ERROR_INVALID_ADDRESS: {
    hr: 0x800701e7,
    name: 'HRESULT_FROM_WIN32(ERROR_INVALID_ADDRESS)',
    text: 'The drive refused the LBA (5/21/00, 5/21/02).',
    hint: 'The drive refused the LBA: write at the next writable address (see `discwright info`) and within capacity.',
  },
  ERROR_IO_DEVICE: {
    hr: 0x8007045d,
    name: 'HRESULT_FROM_WIN32(ERROR_IO_DEVICE)',
    text: 'Transport or host error without sense, or a device reset (6/29).',
    hint: 'The transport or drive failed without sense data; check cables, connection and the drive.',
  },
  STG_E_FILENOTFOUND: {
    hr: 0x80030002,
    name: 'STG_E_FILENOTFOUND',
    text: 'A file or directory not found: the source path, an output path, or the image of an image-backed drive.',
    hint: 'Check the path.',
  },
  STG_E_ACCESSDENIED: {
    hr: 0x80030005,
    name: 'STG_E_ACCESSDENIED',
    text: 'Source not readable.',
    hint: 'Check the source file permissions.',
  },
  STG_E_READFAULT: {
    hr: 0x8003001e,
    name: 'STG_E_READFAULT',
    text: 'Reading the source failed (any other source error).',
    hint: 'Reading the source failed; check the source.',
  },
  E_IMAPI_REQUEST_CANCELLED: {
    hr: 0xc0aa0002,
    name: 'E_IMAPI_REQUEST_CANCELLED',
    text: "Stopped at the caller's request.",
    hint: 'The operation was cancelled; blocks written before the cancel stay on the disc.',
  },
  E_IMAPI_RECORDER_REQUIRED: {
    hr: 0xc0aa0003,
    name: 'E_IMAPI_RECORDER_REQUIRED',
    text: 'No recorder has been assigned yet.',
    hint: 'Assign a recorder with setRecorder() first.',
  },
  S_IMAPI_SPEEDADJUSTED: {
    hr: 0x00aa0004,
    name: 'S_IMAPI_SPEEDADJUSTED',
    text: 'Success; speed replaced by the closest one offered.',
  },
  S_IMAPI_ROTATIONADJUSTED: {
    hr: 0x00aa0005,
    name: 'S_IMAPI_ROTATIONADJUSTED',
    text: 'Success; rotation control (CAV/CLV) replaced.',
  },
  S_IMAPI_BOTHADJUSTED: {
    hr: 0x00aa0006,
    name: 'S_IMAPI_BOTHADJUSTED',
    text: 'Success; speed and rotation control both replaced.',
  },
  E_IMAPI_BURN_VERIFICATION_FAILED: {
    hr: 0xc0aa0007,
    name: 'E_IMAPI_BURN_VERIFICATION_FAILED',
    text: 'Read-back check after writing did not match.',
  },
  S_IMAPI_COMMAND_HAS_SENSE_DATA: {
    hr: 0x00aa0200,
    name: 'S_IMAPI_COMMAND_HAS_SENSE_DATA',
    text: 'Success-class; the drive rejected the command, sense attached.',
  },
  E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE: {
    hr: 0xc0aa0201,
    name: 'E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE',
    text: 'Page (or that page-control variant) unknown to the drive.',
  },
  E_IMAPI_RECORDER_MEDIA_NO_MEDIA: {
    hr: 0xc0aa0202,
    name: 'E_IMAPI_RECORDER_MEDIA_NO_MEDIA',
    text: 'Drive is empty.',
    hint: 'Insert a disc and try again.',
  },
  E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE: {
    hr: 0xc0aa0203,
    name: 'E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE',
    text: 'Loaded disc cannot be used here.',
    hint: 'Use a disc type this drive can write (see `discwright info`).',
  },
  E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN: {
    hr: 0xc0aa0204,
    name: 'E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN',
    text: 'Disc loaded label side down.',
  },
  E_IMAPI_RECORDER_MEDIA_BECOMING_READY: {
    hr: 0xc0aa0205,
    name: 'E_IMAPI_RECORDER_MEDIA_BECOMING_READY',
    text: 'Drive still spinning up or settling; retry later.',
    hint: 'Wait a few seconds for the drive to settle, then retry.',
  },
  E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS: {
    hr: 0xc0aa0206,
    name: 'E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS',
    text: 'Disc is being formatted.',
  },
  E_IMAPI_RECORDER_MEDIA_BUSY: {
    hr: 0xc0aa0207,
    name: 'E_IMAPI_RECORDER_MEDIA_BUSY',
    text: 'Drive occupied with a lengthy operation.',
    hint: 'The drive is busy with a long operation; wait and retry.',
  },
  E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS: {
    hr: 0xc0aa0208,
    name: 'E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS',
    text: 'MODE SELECT values not accepted.',
    hint: 'The drive refused the mode page values; read the changeable values first.',
  },
  E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED: {
    hr: 0xc0aa0209,
    name: 'E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED',
    text: 'Disc reports write protection.',
    hint: 'The disc is write-protected or closed; use a writable disc.',
  },
  E_IMAPI_RECORDER_NO_SUCH_FEATURE: {
    hr: 0xc0aa020a,
    name: 'E_IMAPI_RECORDER_NO_SUCH_FEATURE',
    text: 'Feature code absent from GET CONFIGURATION.',
  },
  E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT: {
    hr: 0xc0aa020b,
    name: 'E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT',
    text: 'Feature known but inactive for this disc.',
  },
  E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED: {
    hr: 0xc0aa020c,
    name: 'E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED',
    text: 'GET CONFIGURATION unsupported by the drive.',
  },
  E_IMAPI_RECORDER_COMMAND_TIMEOUT: {
    hr: 0xc0aa020d,
    name: 'E_IMAPI_RECORDER_COMMAND_TIMEOUT',
    text: 'No completion within the command timeout.',
    hint: 'The drive did not answer in time; check the drive and connection.',
  },
  E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT: {
    hr: 0xc0aa020e,
    name: 'E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT',
    text: 'Disc structure not available for this disc/drive.',
  },
  E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH: {
    hr: 0xc0aa020f,
    name: 'E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH',
    text: 'Disc speed class not usable by this drive.',
  },
  E_IMAPI_RECORDER_LOCKED: {
    hr: 0xc0aa0210,
    name: 'E_IMAPI_RECORDER_LOCKED',
    text: 'Exclusive access belongs to another client.',
    hint: 'Another program holds the drive; close it or wait.',
  },
  E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID: {
    hr: 0xc0aa0211,
    name: 'E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID',
    text: 'Client name violates the allowed character set or length.',
  },
  E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED: {
    hr: 0xc0aa0212,
    name: 'E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED',
    text: 'Disc needs a format before use.',
  },
  E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE: {
    hr: 0xc0aa02ff,
    name: 'E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE',
    text: 'Reply or sense from the drive is malformed.',
    hint: 'The drive sent malformed data; retry, or report the drive model.',
  },
  E_IMAPI_LOSS_OF_STREAMING: {
    hr: 0xc0aa0300,
    name: 'E_IMAPI_LOSS_OF_STREAMING',
    text: 'Buffer underrun: the drive ran dry while recording.',
    hint: 'The drive buffer ran dry: use a faster source, a lower speed, or enable BUFE.',
  },
  E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE: {
    hr: 0xc0aa0301,
    name: 'E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE',
    text: 'Hard device error while writing; no recovery possible.',
    hint: 'The drive reported a hard error; the disc may be damaged. Try another disc or a lower speed.',
  },
  S_IMAPI_WRITE_NOT_IN_PROGRESS: {
    hr: 0x00aa0302,
    name: 'S_IMAPI_WRITE_NOT_IN_PROGRESS',
    text: 'Success; no write was running.',
  },
  E_IMAPI_DF2DATA_WRITE_IN_PROGRESS: {
    hr: 0xc0aa0400,
    name: 'E_IMAPI_DF2DATA_WRITE_IN_PROGRESS',
    text: 'Data writer already running.',
  },
  E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS: {
    hr: 0xc0aa0401,
    name: 'E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS',
    text: 'Data writer not running.',
  },
  E_IMAPI_DF2DATA_INVALID_MEDIA_STATE: {
    hr: 0xc0aa0402,
    name: 'E_IMAPI_DF2DATA_INVALID_MEDIA_STATE',
    text: 'Disc state unsuitable for this request.',
  },
  E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED: {
    hr: 0xc0aa0403,
    name: 'E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED',
    text: 'Source rejected (e.g. length not 2048-aligned).',
  },
  E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA: {
    hr: 0xc0aa0404,
    name: 'E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA',
    text: 'Source exceeds the remaining capacity.',
  },
  E_IMAPI_DF2DATA_MEDIA_NOT_BLANK: {
    hr: 0xc0aa0405,
    name: 'E_IMAPI_DF2DATA_MEDIA_NOT_BLANK',
    text: 'Disc has data and overwriting was not requested.',
  },
  E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED: {
    hr: 0xc0aa0406,
    name: 'E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED',
    text: 'Data writer cannot handle this disc type.',
  },
  E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED: {
    hr: 0xc0aa0407,
    name: 'E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED',
    text: 'Drive cannot record with the data writer.',
  },
  E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID: {
    hr: 0xc0aa0408,
    name: 'E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID',
    text: "Data writer's client name rejected.",
  },
  E_IMAPI_DF2TAO_WRITE_IN_PROGRESS: {
    hr: 0xc0aa0500,
    name: 'E_IMAPI_DF2TAO_WRITE_IN_PROGRESS',
    text: 'TAO writer already running.',
  },
  E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS: {
    hr: 0xc0aa0501,
    name: 'E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS',
    text: 'TAO writer not running.',
  },
  E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED: {
    hr: 0xc0aa0502,
    name: 'E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED',
    text: 'TAO: prepare the disc first.',
  },
  E_IMAPI_DF2TAO_MEDIA_IS_PREPARED: {
    hr: 0xc0aa0503,
    name: 'E_IMAPI_DF2TAO_MEDIA_IS_PREPARED',
    text: 'TAO: not allowed between prepare and release.',
  },
  E_IMAPI_DF2TAO_PROPERTY_FOR_BLANK_MEDIA_ONLY: {
    hr: 0xc0aa0504,
    name: 'E_IMAPI_DF2TAO_PROPERTY_FOR_BLANK_MEDIA_ONLY',
    text: 'TAO: property can change only on an unwritten disc.',
  },
  E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC: {
    hr: 0xc0aa0505,
    name: 'E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC',
    text: 'TAO: blank disc, so no TOC exists.',
  },
  E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK: {
    hr: 0xc0aa0506,
    name: 'E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK',
    text: 'TAO: requires an unwritten CD-R/RW.',
  },
  E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED: {
    hr: 0xc0aa0507,
    name: 'E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED',
    text: 'TAO: requires CD-R or CD-RW.',
  },
  E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED: {
    hr: 0xc0aa0508,
    name: 'E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED',
    text: 'TAO: 99-track maximum reached.',
  },
  E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE: {
    hr: 0xc0aa0509,
    name: 'E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE',
    text: 'TAO: track longer than the space left.',
  },
  E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED: {
    hr: 0xc0aa050a,
    name: 'E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED',
    text: 'TAO: assign a recorder before preparing.',
  },
  E_IMAPI_DF2TAO_INVALID_ISRC: {
    hr: 0xc0aa050b,
    name: 'E_IMAPI_DF2TAO_INVALID_ISRC',
    text: 'TAO: ISRC string badly formed.',
  },
  E_IMAPI_DF2TAO_INVALID_MCN: {
    hr: 0xc0aa050c,
    name: 'E_IMAPI_DF2TAO_INVALID_MCN',
    text: 'TAO: catalogue number badly formed.',
  },
  E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED: {
    hr: 0xc0aa050d,
    name: 'E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED',
    text: 'TAO: audio source rejected.',
  },
  E_IMAPI_DF2TAO_RECORDER_NOT_SUPPORTED: {
    hr: 0xc0aa050e,
    name: 'E_IMAPI_DF2TAO_RECORDER_NOT_SUPPORTED',
    text: 'TAO: drive lacks track-at-once.',
  },
  E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID: {
    hr: 0xc0aa050f,
    name: 'E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID',
    text: "TAO writer's client name rejected.",
  },
  E_IMAPI_DF2RAW_WRITE_IN_PROGRESS: {
    hr: 0xc0aa0600,
    name: 'E_IMAPI_DF2RAW_WRITE_IN_PROGRESS',
    text: 'Raw writer already running.',
  },
  E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS: {
    hr: 0xc0aa0601,
    name: 'E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS',
    text: 'Raw writer not running.',
  },
  E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED: {
    hr: 0xc0aa0602,
    name: 'E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED',
    text: 'Raw: call prepareMedia() first.',
  },
  E_IMAPI_DF2RAW_MEDIA_IS_PREPARED: {
    hr: 0xc0aa0603,
    name: 'E_IMAPI_DF2RAW_MEDIA_IS_PREPARED',
    text: 'Raw: already prepared; release first.',
  },
  E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID: {
    hr: 0xc0aa0604,
    name: 'E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID',
    text: "Raw writer's client name rejected.",
  },
  E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK: {
    hr: 0xc0aa0606,
    name: 'E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK',
    text: 'Raw: requires an unwritten CD-R/RW (a disc with a session fails too).',
  },
  E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED: {
    hr: 0xc0aa0607,
    name: 'E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED',
    text: 'Raw: disc/drive combination cannot do raw DAO. (One IMAPI2 page has 0606/0607 the wrong way round; trust the header.)',
  },
  E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE: {
    hr: 0xc0aa0609,
    name: 'E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE',
    text: 'Raw: session would run past the last lead-out position.',
  },
  E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED: {
    hr: 0xc0aa060a,
    name: 'E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED',
    text: 'Raw: assign a recorder before preparing.',
  },
  E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED: {
    hr: 0xc0aa060d,
    name: 'E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED',
    text: 'Raw: source rejected (length, sector multiple, lead-in count).',
  },
  E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED: {
    hr: 0xc0aa060e,
    name: 'E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED',
    text: 'Raw: chosen sub-channel format unavailable.',
  },
  E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT: {
    hr: 0xc0aa060f,
    name: 'E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT',
    text: "Raw: image lead-in starts after the disc's lead-in start.",
  },
  E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED: {
    hr: 0xc0aa0610,
    name: 'E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED',
    text: 'Raw: drive lacks raw DAO.',
  },
  E_IMAPI_ERASE_RECORDER_IN_USE: {
    hr: 0x80aa0900,
    name: 'E_IMAPI_ERASE_RECORDER_IN_USE',
    text: 'Erase: recorder fixed while erasing.',
  },
  E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED: {
    hr: 0x80aa0901,
    name: 'E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED',
    text: 'Erase: unset the old recorder before assigning a new one.',
  },
  E_IMAPI_ERASE_DISC_INFORMATION_TOO_SMALL: {
    hr: 0x80aa0902,
    name: 'E_IMAPI_ERASE_DISC_INFORMATION_TOO_SMALL',
    text: 'Erase: disc information reply truncated.',
  },
  E_IMAPI_ERASE_MODE_PAGE_2A_TOO_SMALL: {
    hr: 0x80aa0903,
    name: 'E_IMAPI_ERASE_MODE_PAGE_2A_TOO_SMALL',
    text: 'Erase: page 2Ah reply truncated.',
  },
  E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE: {
    hr: 0x80aa0904,
    name: 'E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE',
    text: 'Erase: disc is not erasable.',
  },
  E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND: {
    hr: 0x80aa0905,
    name: 'E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND',
    text: 'Erase: drive refused BLANK.',
  },
  E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR: {
    hr: 0x80aa0906,
    name: 'E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR',
    text: 'Erase: gave up after 60 minutes.',
  },
  E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE: {
    hr: 0x80aa0907,
    name: 'E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE',
    text: 'Erase: unexpected error; disc state uncertain.',
  },
  E_IMAPI_ERASE_DRIVE_FAILED_SPINUP_COMMAND: {
    hr: 0x80aa0908,
    name: 'E_IMAPI_ERASE_DRIVE_FAILED_SPINUP_COMMAND',
    text: 'Erase: spin-up (START UNIT) refused.',
  },
  E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED: {
    hr: 0xc0aa0909,
    name: 'E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED',
    text: 'Erase: disc type not handled.',
  },
  E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED: {
    hr: 0xc0aa090a,
    name: 'E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED',
    text: 'Erase: drive cannot erase.',
  },
  E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID: {
    hr: 0xc0aa090b,
    name: 'E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID',
    text: 'Erase: client name rejected.',
  },
  E_IMAPI_RAW_IMAGE_IS_READ_ONLY: {
    hr: 0x80aa0a00,
    name: 'E_IMAPI_RAW_IMAGE_IS_READ_ONLY',
    text: 'Image: no changes after the result image was built.',
  },
  E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS: {
    hr: 0x80aa0a01,
    name: 'E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS',
    text: 'Image: track number above 99.',
  },
  E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED: {
    hr: 0x80aa0a02,
    name: 'E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED',
    text: 'Image: sector type not permitted.',
  },
  E_IMAPI_RAW_IMAGE_NO_TRACKS: {
    hr: 0x80aa0a03,
    name: 'E_IMAPI_RAW_IMAGE_NO_TRACKS',
    text: 'Image: contains no track yet.',
  },
  E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED: {
    hr: 0x80aa0a04,
    name: 'E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED',
    text: 'Image: only allowed before the first track.',
  },
  E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE: {
    hr: 0x80aa0a05,
    name: 'E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE',
    text: 'Image: lead-out would exceed its limit.',
  },
  E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES: {
    hr: 0x80aa0a06,
    name: 'E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES',
    text: 'Image: index count above 99.',
  },
  E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND: {
    hr: 0x80aa0a07,
    name: 'E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND',
    text: 'Image: no index at that offset.',
  },
  S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS: {
    hr: 0x00aa0a08,
    name: 'S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS',
    text: 'Success; index was present already.',
  },
  E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED: {
    hr: 0x80aa0a09,
    name: 'E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED',
    text: 'Image: index 1 at offset 0 cannot be removed.',
  },
  E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX: {
    hr: 0x80aa0a0a,
    name: 'E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX',
    text: 'Image: indexes need ≥ 10 sectors of spacing.',
  },
} as const satisfies Record<string, HrEntry>;

export type HrName = keyof typeof HR_TABLE;

/** HRESULT values by name: `HR.E_IMAPI_REQUEST_CANCELLED === 0xC0AA0002`. */
export const HR: Readonly<{ [K in HrName]: HResult }> = Object.freeze(
  Object.fromEntries(Object.entries(HR_TABLE).map(([k, v]) => [k, v.hr >>> 0])) as {
    [K in HrName]: HResult;
  },
);

const byValue = new Map<number, HrEntry>(
  Object.values(HR_TABLE).map((e: HrEntry) => [e.hr >>> 0, e]),
);

/** True when the HRESULT is a failure (bit 31 set). */
export function failed(hr: HResult): boolean {
  return (hr & 0x80000000) !== 0;
}

/** HRESULT_FROM_WIN32: values <= 0 pass through; otherwise 0x80070000 | (code & 0xFFFF). */
export function hresultFromWin32(code: number): HResult {
  return code <= 0 ? code >>> 0 : (0x80070000 | (code & 0xffff)) >>> 0;
}

/** `0xC0AA0002` style formatting. */
export function formatHr(hr: HResult): string {
  return '0x' + (hr >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** The IMAPI2 name of an HRESULT, or `HRESULT_0x…` when it has none. */
export function hrName(hr: HResult): string {
  return byValue.get(hr >>> 0)?.name ?? `HRESULT_${formatHr(hr)}`;
}

/** discwright's one-line text for an HRESULT. */
export function hrText(hr: HResult): string {
  return byValue.get(hr >>> 0)?.text ?? 'Unknown HRESULT.';
}

/** What to do about an HRESULT, when the table has advice. */
export function hrHint(hr: HResult): string | undefined {
  return byValue.get(hr >>> 0)?.hint;
}

/** Decoded sense as carried by errors (filled in by the recorder from src/scsi/sense.ts). */
export interface SenseSummary {
  readonly key: number;
  readonly asc: number;
  readonly ascq: number;
  /** e.g. `ILLEGAL REQUEST` */
  readonly keyName: string;
  /** e.g. `INVALID ADDRESS FOR WRITE` */
  readonly text: string;
  /** The information field (often the failing LBA), when valid. */
  readonly information?: number;
  readonly deferred: boolean;
}

export interface DwErrorOptions {
  message?: string;
  cause?: unknown;
  hint?: string;
  /** 18-byte fixed-format sense, when a device reported it. */
  sense?: Uint8Array;
  senseInfo?: SenseSummary;
  /** The SCSI command's name and CDB, for device failures. */
  command?: string;
  cdb?: Uint8Array;
  lba?: number;
  blocks?: number;
  attempts?: number;
  lastHr?: HResult;
  lastSense?: Uint8Array;
  /**
   * Whether sending the command again after a wait may succeed. Transports set `false` on a
   * failure waiting cannot mend (TransportErrors.permanent); unset, the HRESULT decides
   * (src/device/sense-policy.ts).
   */
  retryable?: boolean;
}

/**
 * The one discwright error class (spec §6.1). `hr` is the unsigned HRESULT, `code` its IMAPI2
 * name. Device failures carry the sense bytes, their decoded form, the command and the LBA.
 */
export class DwError extends Error {
  readonly hr: HResult;
  readonly code: string;
  readonly hint: string | undefined;
  readonly sense: Uint8Array | undefined;
  readonly senseInfo: SenseSummary | undefined;
  readonly command: string | undefined;
  readonly cdb: Uint8Array | undefined;
  readonly lba: number | undefined;
  readonly blocks: number | undefined;
  readonly attempts: number | undefined;
  readonly lastHr: HResult | undefined;
  readonly lastSense: Uint8Array | undefined;
  readonly retryable: boolean | undefined;

  constructor(hr: HResult, options: DwErrorOptions = {}) {
    const value = hr >>> 0;
    super(
      options.message ?? hrText(value),
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.name = 'DwError';
    this.hr = value;
    this.code = hrName(value);
    this.hint = options.hint ?? hrHint(value);
    this.sense = options.sense;
    this.senseInfo = options.senseInfo;
    this.command = options.command;
    this.cdb = options.cdb;
    this.lba = options.lba;
    this.blocks = options.blocks;
    this.attempts = options.attempts;
    this.lastHr = options.lastHr;
    this.lastSense = options.lastSense;
    this.retryable = options.retryable;
  }

  /** A multi-line description a person can act on: code, value, message, sense, LBA, hint. */
  describe(): string {
    const lines = [`${this.code} (${formatHr(this.hr)}): ${this.message}`];
    if (this.command !== undefined) lines.push(`  command: ${this.command}`);
    if (this.senseInfo !== undefined) {
      const s = this.senseInfo;
      const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
      lines.push(
        `  sense: ${hex(s.key)}/${hex(s.asc)}/${hex(s.ascq)} ${s.keyName}: ${s.text}` +
          (s.deferred ? ' (deferred)' : ''),
      );
    }
    if (this.lba !== undefined) {
      lines.push(
        `  lba: ${this.lba}` + (this.blocks !== undefined ? ` (${this.blocks} blocks)` : ''),
      );
    }
    if (this.attempts !== undefined && this.attempts > 1)
      lines.push(`  attempts: ${this.attempts}`);
    if (this.hint !== undefined) lines.push(`  what to do: ${this.hint}`);
    return lines.join('\n');
  }
}

/** A codec met bytes that do not form a valid structure (truncated, bad length, bad code). */
export class MalformedDataError extends DwError {
  constructor(message: string) {
    super(HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, {
      message: `malformed data: ${message}`,
    });
    this.name = 'MalformedDataError';
  }
}

/** An argument outside what the standard or the spec allows. Nothing was sent anywhere. */
export function invalidArgument(message: string): DwError {
  return new DwError(HR.E_INVALIDARG, { message });
}
