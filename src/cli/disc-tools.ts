// `discwright msinfo | blank | format | close | verify`: the disc-level commands around `burn`
// (docs/burning.md). msinfo prints `lastSessionStart,nextWritable` as `cdrecord -msinfo` does, for
// `xorriso -as mkisofs -C`; blank runs DiscFormat2Erase with its progress; format runs
// formatMedia; close runs closeMedia; verify compares an image with the disc block by block.
// blank, format and close hold exclusive access like burn; msinfo and verify only read. Each
// closes the drive before its result, and a failed close fails the command (exit 1).

import { DwError, HR } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import {
  closeMedia,
  DiscFormat2Data,
  DiscFormat2Erase,
  formatMedia,
  openDataSource,
  verifyImage,
} from '../format/index.js';
import { errorReport } from './format.js';
import { println, type CliIo } from './io.js';
import { mediaStateNames } from './burn.js';
import { openCliRecorder } from './open-recorder.js';
import { Interrupt } from './section.js';
import { closeThenReport } from './section-report.js';

/** The holder other programs see while blank or format has the drive. */
export const DISC_TOOLS_CLIENT = 'discwright disc tools';

async function withRecorder(
  io: CliIo,
  address: string,
  json: boolean,
  exclusive: { force: boolean } | undefined,
  body: (recorder: DiscRecorder, interrupt: Interrupt) => Promise<Record<string, unknown>>,
): Promise<number> {
  const interrupt = new Interrupt(io);
  let recorder: DiscRecorder | undefined;
  let error: unknown;
  let figures: Record<string, unknown> = {};
  try {
    recorder = await openCliRecorder(
      address,
      exclusive === undefined
        ? {}
        : { exclusive: { clientName: DISC_TOOLS_CLIENT, force: exclusive.force } },
      io.virtualFaults,
    );
    figures = await body(recorder, interrupt);
  } catch (e) {
    error = e;
    println(io.stderr, errorReport(e));
  }
  return closeThenReport(io, recorder, interrupt, json, error, figures);
}

/** `msinfo`: `start,nwa` of an appendable disc (cdrecord -msinfo); exit 1 when there is none. */
export function msinfoCommand(io: CliIo, address: string, o: { json?: boolean }): Promise<number> {
  return withRecorder(io, address, o.json === true, undefined, async (recorder) => {
    const data = new DiscFormat2Data();
    await data.setRecorder(recorder);
    const start = await data.getStartAddressOfPreviousSession();
    const nwa = await data.getNextWritableAddress();
    if (start < 0) {
      throw new DwError(HR.E_IMAPI_DF2DATA_INVALID_MEDIA_STATE, {
        message: 'the disc has no closed session followed by an appendable one',
        hint: 'A blank disc needs no -C; a closed disc takes no more sessions.',
      });
    }
    if (o.json !== true) println(io.stdout, `${start},${nwa}`);
    return {
      startAddressOfPreviousSession: start,
      lastWrittenAddressOfPreviousSession: await data.getLastWrittenAddressOfPreviousSession(),
      nextWritableAddress: nwa,
    };
  });
}

/** `blank [--full]`: DiscFormat2Erase with one line per progress update. */
export function blankCommand(
  io: CliIo,
  address: string,
  o: { full?: boolean; json?: boolean; force?: boolean },
): Promise<number> {
  const json = o.json === true;
  return withRecorder(io, address, json, { force: o.force === true }, async (recorder) => {
    const erase = new DiscFormat2Erase();
    await erase.setRecorder(recorder);
    erase.clientName = DISC_TOOLS_CLIENT;
    erase.fullErase = o.full === true;
    erase.on('update', (_s, elapsed, total) => {
      const line = { event: 'update', elapsedSeconds: elapsed, estimatedTotalSeconds: total };
      println(
        io.stdout,
        json
          ? JSON.stringify(line)
          : `blanking: ${elapsed.toFixed(0)} s of about ${total.toFixed(0)} s`,
      );
    });
    await erase.eraseMedia();
    if (!json) println(io.stdout, `blanked (${o.full === true ? 'full' : 'minimal'})`);
    return { full: o.full === true };
  });
}

/** `format [--quick|--full] [--spare default|none|max]`. */
export function formatCommand(
  io: CliIo,
  address: string,
  o: { full?: boolean; spare?: 'default' | 'none' | 'max'; json?: boolean; force?: boolean },
): Promise<number> {
  const json = o.json === true;
  return withRecorder(io, address, json, { force: o.force === true }, async (recorder) => {
    const choice = await formatMedia(recorder, {
      mode: o.full === true ? 'full' : 'quick',
      spareAreas: o.spare ?? 'default',
    });
    const type = `0x${choice.formatType.toString(16).padStart(2, '0')}`;
    if (!json) {
      println(io.stdout, `formatted: format type ${type}, ${choice.numberOfBlocks} blocks`);
    }
    return { formatType: type, numberOfBlocks: choice.numberOfBlocks };
  });
}

/** `close [--track|--session|--finalize]`: what an earlier write left open. */
export function closeCommand(
  io: CliIo,
  address: string,
  o: { track?: boolean; finalize?: boolean; json?: boolean; force?: boolean },
): Promise<number> {
  const json = o.json === true;
  const request = o.track === true ? 'track' : o.finalize === true ? 'finalize' : 'session';
  return withRecorder(io, address, json, { force: o.force === true }, async (recorder) => {
    const { closeFunctions } = await closeMedia(recorder, request);
    const data = new DiscFormat2Data();
    await data.setRecorder(recorder);
    const state = mediaStateNames(await data.getCurrentMediaStatus());
    if (!json) {
      const sent = closeFunctions.map((f) => f.toString(2).padStart(3, '0') + 'b').join(', ');
      println(io.stdout, `closed (${request}): CLOSE TRACK/SESSION ${sent || 'not needed'}`);
      println(io.stdout, `disc now: ${state.join(', ')}`);
    }
    return { request, closeFunctions, mediaState: state };
  });
}

/** `verify <recorder> <image> [--lba n]`: the image against the disc, block by block. */
export function verifyCommand(
  io: CliIo,
  address: string,
  image: string,
  o: { lba?: number; json?: boolean },
): Promise<number> {
  const json = o.json === true;
  return withRecorder(io, address, json, undefined, async (recorder, interrupt) => {
    const opened = await openDataSource(image, undefined);
    try {
      const blocks = opened.bytes / 2048;
      const lba = o.lba ?? 0;
      const sha256 = await verifyImage(
        recorder,
        opened.reader,
        { lba, blocks },
        () => undefined,
        interrupt.signal,
      );
      if (!json) println(io.stdout, `verified ${blocks} blocks at LBA ${lba}: sha256 ${sha256}`);
      return { lba, blocks, sha256 };
    } finally {
      await opened.close();
    }
  });
}
