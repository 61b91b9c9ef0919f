// How the commands open their recorder: openRecorder(), except that for tests a virtual
// drive can be opened with faults injected (docs/decisions.md, "Faults for CLI tests"), so that a
// spawned CLI meets a full file system or a medium error the way a user's would. The faults come
// from the environment variable DISCWRIGHT_TEST_VIRTUAL_FAULTS (read by main.ts), a JSON object:
//
//   { "imageWriteFault": { "afterBytes": 1048576, "code": "ENOSPC" },
//     "imageCloseFault": "EIO",
//     "failAt": [{ "lba": 700, "senseKey": 3, "asc": 12, "ascq": 0, "times": 2 }] }
//
// imageWriteFault and imageCloseFault are openVirtualDrive()'s options of those names; each
// failAt entry is drive.control.faults.failAt(lba, sense, { times }) for WRITE commands (times:
// every WRITE when absent; a busy period is 02/04/08 a few times). Other addresses ignore them.

import { invalidArgument } from '../errors.js';
import { openRecorder } from '../device/open.js';
import { DiscRecorder, type DiscRecorderOptions } from '../device/recorder.js';
import type { ImageWriteFault } from '../transport/emulated/index.js';

interface LbaFaultSpec {
  readonly lba: number;
  readonly senseKey: number;
  readonly asc: number;
  readonly ascq: number;
  /** How many WRITEs fail before the LBA writes again (default: every one). */
  readonly times?: number;
}

interface VirtualFaults {
  readonly imageWriteFault?: ImageWriteFault;
  readonly imageCloseFault?: string;
  readonly failAt: readonly LbaFaultSpec[];
}

const isInt = (x: unknown): x is number => Number.isSafeInteger(x);

/** The faults of DISCWRIGHT_TEST_VIRTUAL_FAULTS, checked: a malformed value is a usage error. */
export function parseVirtualFaults(text: string): VirtualFaults {
  const bad = (what: string) =>
    invalidArgument(`DISCWRIGHT_TEST_VIRTUAL_FAULTS: ${what} (got ${JSON.stringify(text)})`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (typeof json !== 'object' || json === null) throw bad('not a JSON object');
  const o = json as {
    imageWriteFault?: { afterBytes?: unknown; code?: unknown } | null;
    imageCloseFault?: unknown;
    failAt?: unknown;
  };
  let imageWriteFault: ImageWriteFault | undefined;
  if (o.imageWriteFault !== undefined) {
    const f = o.imageWriteFault;
    if (f === null || !isInt(f.afterBytes) || f.afterBytes < 0 || typeof f.code !== 'string') {
      throw bad('imageWriteFault needs afterBytes ≥ 0 and an errno name as code');
    }
    imageWriteFault = { afterBytes: f.afterBytes, code: f.code };
  }
  const closeFault = o.imageCloseFault;
  if (closeFault !== undefined && (typeof closeFault !== 'string' || closeFault === '')) {
    throw bad('imageCloseFault must be an errno name');
  }
  const failAt: LbaFaultSpec[] = [];
  if (o.failAt !== undefined) {
    if (!Array.isArray(o.failAt)) throw bad('failAt must be an array');
    for (const e of o.failAt as unknown[]) {
      const f = e as Partial<Record<keyof LbaFaultSpec, unknown>> | null;
      if (f === null || !isInt(f.lba) || !isInt(f.senseKey) || !isInt(f.asc) || !isInt(f.ascq)) {
        throw bad('each failAt entry needs integer lba, senseKey, asc and ascq');
      }
      if (f.times !== undefined && (!isInt(f.times) || f.times < 1)) {
        throw bad('failAt times must be an integer ≥ 1');
      }
      failAt.push({
        lba: f.lba,
        senseKey: f.senseKey,
        asc: f.asc,
        ascq: f.ascq,
        ...(f.times === undefined ? {} : { times: f.times }),
      });
    }
  }
  return {
    ...(imageWriteFault === undefined ? {} : { imageWriteFault }),
    ...(closeFault === undefined ? {} : { imageCloseFault: closeFault }),
    failAt,
  };
}

/** openRecorder(address, options), with `faults` (the variable's text) on a virtual drive. */
export async function openCliRecorder(
  address: string,
  options: DiscRecorderOptions,
  faults: string | undefined,
): Promise<DiscRecorder> {
  if (faults === undefined || faults === '' || !address.startsWith('virtual:')) {
    return openRecorder(address, options);
  }
  const f = parseVirtualFaults(faults);
  const { openVirtualDrive } = await import('../transport/emulated/index.js');
  const drive = await openVirtualDrive(address, {
    ...(f.imageWriteFault === undefined ? {} : { imageWriteFault: f.imageWriteFault }),
    ...(f.imageCloseFault === undefined ? {} : { imageCloseFault: f.imageCloseFault }),
    // What openRecorder() passes on: info and read open the image read-only.
    ...(options.readOnly === true ? { readOnly: true } : {}),
  });
  for (const at of f.failAt) {
    drive.control.faults.failAt(at.lba, at, at.times === undefined ? {} : { times: at.times });
  }
  try {
    return await DiscRecorder.fromTransport(drive, options);
  } catch (e) {
    await drive.close().catch(() => undefined);
    throw e;
  }
}
