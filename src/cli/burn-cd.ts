// `discwright burn <recorder> --cue <file.cue>` and `--audio <file>...`: CDs the way mastering
// tools write them (docs/cd.md). --cue: the CUE/BIN as one raw disc-at-once image with its
// lead-in (DiscFormat2RawCD.writeMedia2, 2,448-byte sectors with raw P-W, like cdrecord -raw96r).
// --audio: track-at-once (DiscFormat2TrackAtOnce) or, with --dao, one raw DAO image of the audio
// tracks; --mcn and --isrc give the Q's MCN and ISRCs (in page 05h for TAO, in the image for
// DAO), and TAO appends to a disc an earlier --multisession run left open. The sheet, the files and the options are checked before the recorder is opened (a
// usage error, exit 2, sends nothing); the summary is the TOC the drive reports afterwards.

import { DwError, HR, invalidArgument } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import { CdSectorType } from '../device/types.js';
import { isValidIsrc, isValidMcn } from '../scsi/cd/subchannel.js';
import {
  DiscFormat2RawCD,
  DiscFormat2TrackAtOnce,
  RawCDImageCreator,
  cueImageCreator,
  type CueSheet,
} from '../format/index.js';
import { describeTrackSource } from '../format/raw-cd/track-source.js';
import {
  decodeFormattedToc,
  readTocPmaAtip,
  type FormattedToc,
} from '../scsi/mmc/read-toc-pma-atip.js';
import { errorReport } from './format.js';
import { println, type CliIo } from './io.js';
import { openCliRecorder } from './open-recorder.js';
import { Interrupt } from './section.js';
import { closeThenReport } from './section-report.js';
import { BURN_CLIENT } from './burn.js';
import { readCdTextFile, type CdTextInput } from './cd-text-file.js';

export interface BurnCdOptions {
  readonly cue?: string;
  readonly audio?: readonly string[];
  /** --audio: one raw disc-at-once image instead of track-at-once. */
  readonly dao?: boolean;
  /** --cue or --audio --dao: Session-at-Once (SEND CUE SHEET) instead of raw DAO. */
  readonly sao?: boolean;
  /** --audio in TAO: leave the disc open (no finalize). */
  readonly multisession?: boolean;
  readonly cdText?: string;
  /** --audio: the disc's Media Catalog Number (13 digits). */
  readonly mcn?: string;
  /** --audio: the tracks' ISRCs, comma-separated in track order ('' for none). */
  readonly isrc?: string;
  readonly json?: boolean;
  readonly force?: boolean;
}

/** True when the burn options ask for a CD mode rather than a data image. */
export function isCdBurn(o: { cue?: string; audio?: readonly string[] }): boolean {
  return o.cue !== undefined || o.audio !== undefined;
}

/**
 * The usage checks of the CD modes: exactly one of an image, --cue, --audio; --dao only with
 * --audio; data-burn options that mean nothing here are refused rather than ignored.
 */
export function checkCdOptions(image: string | undefined, o: Record<string, unknown>): void {
  const modes = [image !== undefined, o.cue !== undefined, o.audio !== undefined];
  if (modes.filter(Boolean).length !== 1) {
    throw invalidArgument('give exactly one of an image, --cue <file.cue> or --audio <file>...');
  }
  if (o.dao === true && o.audio === undefined) throw invalidArgument('--dao goes with --audio');
  if (o.sao === true && o.cue === undefined && o.dao !== true) {
    throw invalidArgument('--sao goes with --cue or --audio --dao');
  }
  if (o.cdText !== undefined && image !== undefined) {
    throw invalidArgument('--cd-text goes with --cue or --audio');
  }
  if ((o.mcn !== undefined || o.isrc !== undefined) && o.audio === undefined) {
    throw invalidArgument('--mcn and --isrc go with --audio (a CUE sheet has CATALOG and ISRC)');
  }
  if (image !== undefined) return;
  for (const k of [
    'size',
    'verify',
    'finalize',
    'simulate',
    'forceOverwrite',
    'also',
    'log',
    'report',
    'speed',
  ]) {
    if (o[k] !== undefined) {
      const flag = k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw invalidArgument(`--${flag} applies to data images, not to --cue or --audio`);
    }
  }
  if (o.multisession === true && (o.cue !== undefined || o.dao === true)) {
    throw invalidArgument('--multisession goes with track-at-once --audio only');
  }
}

/** --audio's codes: the MCN and one ISRC (or undefined) per file, checked as the Q needs them. */
interface AudioCodes {
  readonly mcn: string | undefined;
  readonly isrcs: readonly (string | undefined)[];
}

function audioCodes(o: BurnCdOptions, files: readonly string[]): AudioCodes {
  if (o.mcn !== undefined && !isValidMcn(o.mcn)) {
    throw invalidArgument(`--mcn ${JSON.stringify(o.mcn)} is not 13 digits`);
  }
  const isrcs = o.isrc === undefined ? [] : o.isrc.split(',').map((c) => c.trim());
  if (isrcs.length > files.length) {
    throw invalidArgument(`--isrc lists ${isrcs.length} codes for ${files.length} track(s)`);
  }
  for (const [i, c] of isrcs.entries()) {
    if (c !== '' && !isValidIsrc(c)) {
      throw invalidArgument(`--isrc code ${i + 1} ${JSON.stringify(c)} is not CCOOOYYNNNNN`);
    }
  }
  return { mcn: o.mcn, isrcs: isrcs.map((c) => (c === '' ? undefined : c)) };
}

/** What is to be burned, all files read and checked. */
type Plan =
  | { readonly kind: 'dao'; readonly creator: RawCDImageCreator; readonly sheet?: CueSheet }
  | { readonly kind: 'tao'; readonly files: readonly string[]; readonly codes: AudioCodes };

async function plan(o: BurnCdOptions, cdText: CdTextInput | undefined): Promise<Plan> {
  if (o.cue !== undefined) {
    const { sheet, creator } = await cueImageCreator(o.cue);
    // --cd-text, else the sheet's CDTEXTFILE (already in the creator), else its TITLE lines.
    const text = cdText ?? creator.cdText ?? cdTextOfSheet(sheet);
    if (text !== undefined) creator.cdText = text;
    return { kind: 'dao', creator, sheet };
  }
  const files = o.audio ?? [];
  if (files.length === 0) throw invalidArgument('--audio needs at least one file');
  const codes = audioCodes(o, files);
  if (o.dao !== true) {
    if (cdText !== undefined) {
      throw invalidArgument('--cd-text needs disc-at-once (--dao): TAO has no lead-in to carry it');
    }
    // Each file is described now so a bad one is a usage error before anything is written.
    for (const f of files) await describeTrackSource(f, CdSectorType.AUDIO, 2352);
    return { kind: 'tao', files, codes };
  }
  const creator = new RawCDImageCreator();
  for (const [i, f] of files.entries()) {
    const n = await creator.addTrack(CdSectorType.AUDIO, f);
    const isrc = codes.isrcs[i];
    if (isrc !== undefined) creator.trackInfo(n).isrc = isrc;
  }
  if (codes.mcn !== undefined) creator.mediaCatalogNumber = codes.mcn;
  if (cdText !== undefined) creator.cdText = cdText;
  return { kind: 'dao', creator };
}

/** The CD-TEXT a CUE sheet's TITLE/PERFORMER/SONGWRITER lines give, if any. */
function cdTextOfSheet(sheet: CueSheet): CdTextInput | undefined {
  const any = [sheet.cdText, ...sheet.tracks.map((t) => t.cdText)].some(
    (t) => Object.keys(t).length > 0,
  );
  if (!any) return undefined;
  return { album: { ...sheet.cdText }, tracks: sheet.tracks.map((t) => ({ ...t.cdText })) };
}

/** The formatted TOC the drive reports now (READ TOC format 0). */
export async function driveToc(recorder: DiscRecorder): Promise<FormattedToc> {
  const res = await recorder.executeCommand(readTocPmaAtip({ format: 0 }));
  return decodeFormattedToc(res.dataIn ?? new Uint8Array(0));
}

export async function burnCdCommand(
  io: CliIo,
  recorderAddress: string,
  image: string | undefined,
  o: BurnCdOptions & Record<string, unknown>,
): Promise<number> {
  const interrupt = new Interrupt(io);
  const json = o.json === true;
  let recorder: DiscRecorder | undefined;
  let error: unknown;
  let figures: Record<string, unknown> = {};
  const say = (text: string) => {
    if (!json) println(io.stdout, text);
  };
  try {
    checkCdOptions(image, o);
    const cdText = o.cdText === undefined ? undefined : await readCdTextFile(o.cdText);
    const p = await plan(o, cdText);
    recorder = await openCliRecorder(
      recorderAddress,
      { exclusive: { clientName: BURN_CLIENT, force: o.force === true } },
      io.virtualFaults,
    );
    say(`drive: ${recorder.vendorId} ${recorder.productId} ${recorder.productRevision}`);
    interrupt.check();
    interrupt.guard();
    if (p.kind === 'dao') {
      const raw = new DiscFormat2RawCD();
      await raw.setRecorder(recorder);
      raw.clientName = BURN_CLIENT;
      interrupt.signal.addEventListener('abort', () => raw.cancelWrite(), { once: true });
      say('preparing…');
      await raw.prepareMedia();
      try {
        if (o.sao === true) {
          const image = p.creator.createResultImage();
          const sectors = image.sectorCount - image.layout.leadOutSectors;
          say(
            `writing ${p.creator.numberOfExistingTracks} track(s) session-at-once: a cue sheet, then ${sectors} sectors of ${image.bytesPerSector} bytes from LBA ${image.startLba}…`,
          );
          await raw.writeMediaSao(image);
        } else {
          const image = p.creator.createResultImage({ leadInStartLba: raw.startOfNextSession });
          say(
            `writing ${p.creator.numberOfExistingTracks} track(s) raw disc-at-once: ${image.sectorCount} sectors of ${image.bytesPerSector} bytes from LBA ${image.startLba} (lead-in)…`,
          );
          await raw.writeMedia2(image, -150 - image.startLba);
        }
      } finally {
        await raw.releaseMedia();
      }
    } else {
      const tao = new DiscFormat2TrackAtOnce();
      tao.setRecorder(recorder);
      tao.clientName = BURN_CLIENT;
      tao.doNotFinalizeMedia = o.multisession === true;
      if (p.codes.mcn !== undefined) tao.mediaCatalogNumber = p.codes.mcn;
      interrupt.signal.addEventListener(
        'abort',
        () => {
          try {
            tao.cancelAddTrack();
          } catch {
            // between tracks: the loop stops at its next check
          }
        },
        { once: true },
      );
      say('preparing…');
      await tao.prepareMedia();
      try {
        if (tao.numberOfExistingTracks > 0) {
          say(`appending to the open session after track ${tao.numberOfExistingTracks}…`);
        }
        for (const [i, f] of p.files.entries()) {
          interrupt.check();
          say(`track ${tao.numberOfExistingTracks + 1}: ${f}…`);
          const isrc = p.codes.isrcs[i];
          await tao.addAudioTrack(f, isrc === undefined ? {} : { isrc });
        }
      } finally {
        say(o.multisession === true ? 'leaving the session open…' : 'closing the disc…');
        await tao.releaseMedia();
      }
    }
    const toc = await driveToc(recorder);
    figures = { mode: p.kind, toc: toc.descriptors };
    for (const d of toc.descriptors) {
      say(
        d.trackNumber === 0xaa
          ? `lead-out at LBA ${d.trackStartAddress}`
          : `track ${d.trackNumber}: ${(d.control & 4) !== 0 ? 'data' : 'audio'} at LBA ${d.trackStartAddress}`,
      );
    }
  } catch (e) {
    error =
      e instanceof DwError || !interrupt.requested ? e : new DwError(HR.E_IMAPI_REQUEST_CANCELLED);
    println(io.stderr, errorReport(error));
  }
  return closeThenReport(io, recorder, interrupt, json, error, figures);
}
