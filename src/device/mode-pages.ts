// Mode pages (spec §4.6): MODE SENSE(10) with DBD read header first and then whole, the block
// descriptors some drives send anyway skipped, the pages split by the codec (splitModePages);
// MODE SELECT(10) with the mode parameter list built by the codec (encodeModeParameterList10).

import { DwError, HR, invalidArgument } from '../errors.js';
import { ByteReader } from '../scsi/bytes.js';
import {
  MODE_PARAMETER_HEADER_10_LENGTH,
  encodeModeParameterList10,
} from '../scsi/spc/mode-parameters.js';
import {
  ALL_MODE_PAGES,
  ModePageRequestType,
  splitModePages,
  type RawModePage,
} from '../scsi/spc/mode-pages.js';
import { checkInt } from './arguments.js';
import type { CommandRunner } from './command-runner.js';
import * as cmd from './commands.js';

/** Largest MODE SENSE reply asked for: the 16-bit allocation length, 8-byte aligned. */
const MODE_SENSE_MAX = 0xfff8;

/**
 * MODE SENSE(10), DBD set, for `request` (the page control, 0..3): the pages of the mode
 * parameter list. A page the reply cut short is left out and reported as `truncated`.
 */
async function modeSense(
  runner: CommandRunner,
  page: number,
  request: number,
): Promise<{ readonly pages: readonly RawModePage[]; readonly truncated: boolean }> {
  checkInt(request, 0, 3, 'request');
  const make = (allocationLength: number) =>
    cmd.modeSense10({ dbd: true, pageControl: request, pageCode: page, allocationLength });
  const list = await runner.readFull(
    make,
    MODE_PARAMETER_HEADER_10_LENGTH,
    (r) => r.u16(0) + 2, // MODE DATA LENGTH
    MODE_SENSE_MAX,
  );
  return runner.decode(make(MODE_PARAMETER_HEADER_10_LENGTH), () => {
    // Drives sometimes ignore DBD: skip whatever block descriptors they sent.
    const blockDescriptorLength = new ByteReader(list).u16(6); // BLOCK DESCRIPTOR LENGTH
    const at = Math.min(list.length, MODE_PARAMETER_HEADER_10_LENGTH + blockDescriptorLength);
    return splitModePages(list.subarray(at), { allowTruncated: true });
  });
}

/** IDiscRecorder2Ex::GetModePage: the page bytes only. */
export async function getModePage(
  runner: CommandRunner,
  page: number,
  request: ModePageRequestType,
): Promise<Uint8Array> {
  checkInt(page, 0, 0x3e, 'page');
  const { pages, truncated } = await modeSense(runner, page, request);
  const first = pages[0];
  if (first !== undefined && first.pageCode === page) return first.bytes;
  if (first === undefined && truncated) {
    throw new DwError(HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, {
      message: `MODE SENSE(10): the drive cut mode page 0x${page.toString(16).padStart(2, '0')} short`,
    });
  }
  throw new DwError(HR.E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE, {
    message: `the drive did not return mode page 0x${page.toString(16).padStart(2, '0')}`,
  });
}

/** IDiscRecorder2Ex::SetModePage: the bare page; the codec builds the header around it. */
export async function setModePage(
  runner: CommandRunner,
  request: ModePageRequestType,
  page: Uint8Array,
): Promise<void> {
  let sp: boolean;
  if (request === ModePageRequestType.CURRENT_VALUES) sp = false;
  else if (request === ModePageRequestType.SAVED_VALUES) sp = true;
  else throw invalidArgument('setModePage accepts CURRENT_VALUES or SAVED_VALUES');
  if (page === null || page === undefined)
    throw new DwError(HR.E_POINTER, { message: 'page is required' });
  if (!(page instanceof Uint8Array) || page.length < 2 || page.length !== 2 + (page[1] ?? 0)) {
    throw invalidArgument('page must be a whole mode page: 2 + PAGE LENGTH bytes');
  }
  // An all-zero header (MODE DATA LENGTH is reserved in MODE SELECT), no block descriptors, the
  // page with PS cleared.
  const data = encodeModeParameterList10({ pages: [page] }, { modeSelect: true });
  await runner.run(cmd.modeSelect10({ pf: true, sp, data }));
}

/** IDiscRecorder2::SupportedModePages: MODE SENSE(10) for page 3Fh, each page code once. */
export async function getSupportedModePages(
  runner: CommandRunner,
  request: ModePageRequestType,
): Promise<number[]> {
  const { pages } = await modeSense(runner, ALL_MODE_PAGES, request);
  return [...new Set(pages.map((p) => p.pageCode))];
}
