// CUE sheet parser: the text of a .cue file into a checked model of its FILEs, TRACKs, INDEX
// points, gaps, ISRC/CATALOG/FLAGS and CD-TEXT fields. The subset and its rules are in
// docs/cd.md ("CUE sheets"); the keywords are those of CDRWIN's format as cdrdao and bchunk read
// it. Pure: no I/O (cue-image.ts reads the files and builds the image). Every refusal is an
// E_INVALIDARG naming `<sheet>:<line>`.

import { DwError, HR } from '../../errors.js';

/** What the parser accepts at most: a sheet is a small text file. */
export const CUE_LIMITS = {
  maxBytes: 1024 * 1024,
  maxLineChars: 4096,
  maxFiles: 99,
  maxTracks: 99,
  /** Index 0..99 per track. */
  maxIndexNumber: 99,
  /** CD-TEXT fields (TITLE, PERFORMER, SONGWRITER): the CUE format's 80 characters. */
  maxCdTextChars: 80,
  /** MSF minutes in a sheet (99:59:74 at most). */
  maxMinutes: 99,
} as const;

export type CueFileType = 'BINARY' | 'MOTOROLA' | 'WAVE';
export type CueTrackType = 'AUDIO' | 'MODE1/2048' | 'MODE1/2352' | 'MODE2/2336' | 'MODE2/2352';
export type CueFlag = 'DCP' | '4CH' | 'PRE' | 'SCMS';

/** Bytes per sector in the file for each track type. */
export const CUE_SECTOR_BYTES: Readonly<Record<CueTrackType, number>> = {
  AUDIO: 2352,
  'MODE1/2048': 2048,
  'MODE1/2352': 2352,
  'MODE2/2336': 2336,
  'MODE2/2352': 2352,
};

export interface CueCdText {
  title?: string;
  performer?: string;
  songwriter?: string;
}

export interface CueFile {
  /** As written in the sheet (relative to the sheet's folder unless absolute). */
  readonly path: string;
  readonly type: CueFileType;
  readonly line: number;
}

export interface CueIndex {
  readonly number: number;
  /** Position in the file, in sectors (75 a second). */
  readonly frames: number;
  readonly line: number;
}

export interface CueTrack {
  readonly number: number;
  readonly type: CueTrackType;
  /** The FILE holding INDEX 01 (and the indexes after it). */
  file: CueFile;
  /**
   * The FILE holding INDEX 00 when it is not `file`: the pregap is the end of the previous FILE
   * (a sheet from a ripper that cut the files at each INDEX 01).
   */
  pregapFile: CueFile | undefined;
  readonly line: number;
  readonly indexes: CueIndex[];
  /** PREGAP: generated sectors before the file's data (0 if absent). */
  pregapFrames: number;
  /** POSTGAP: generated sectors after it. */
  postgapFrames: number;
  isrc: string | undefined;
  readonly flags: Set<CueFlag>;
  readonly cdText: CueCdText;
}

export interface CueSheet {
  readonly name: string;
  catalog: string | undefined;
  cdTextFile: { readonly path: string; readonly line: number } | undefined;
  readonly cdText: CueCdText;
  readonly files: CueFile[];
  readonly tracks: CueTrack[];
}

/** An E_INVALIDARG naming the sheet and line. */
export function cueError(name: string, line: number, what: string, cause?: unknown): DwError {
  return new DwError(HR.E_INVALIDARG, {
    message: `${name}:${line}: ${what}`,
    hint: 'docs/cd.md lists the CUE keywords and track types discwright reads',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Splits a line into words; "double-quoted" words may hold spaces (no escapes in the format). */
function words(text: string, fail: (what: string) => never): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const c = text[at] as string;
    if (c === ' ' || c === '\t') {
      at++;
    } else if (c === '"') {
      const end = text.indexOf('"', at + 1);
      if (end < 0) fail('a quoted word has no closing quote');
      out.push(text.slice(at + 1, end));
      at = end + 1;
    } else {
      let end = at;
      while (end < text.length && text[end] !== ' ' && text[end] !== '\t') end++;
      out.push(text.slice(at, end));
      at = end;
    }
  }
  return out;
}

/** mm:ss:ff (ss < 60, ff < 75) as sectors. */
function parseMsf(text: string | undefined, fail: (what: string) => never): number {
  const m = /^(\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(text ?? '');
  if (m === null) fail(`"${text ?? ''}" is not a time mm:ss:ff`);
  const [mm, ss, ff] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ss >= 60 || ff >= 75) fail(`${text ?? ''}: seconds run 0..59 and frames 0..74`);
  return (mm * 60 + ss) * 75 + ff;
}

const FILE_TYPES: readonly string[] = ['BINARY', 'MOTOROLA', 'WAVE'];
const TRACK_TYPES: readonly string[] = Object.keys(CUE_SECTOR_BYTES);
const FLAGS: readonly string[] = ['DCP', '4CH', 'PRE', 'SCMS'];

/** Parses a CUE sheet's text; `name` is how errors name it (its path). */
export function parseCueSheet(text: string, name: string): CueSheet {
  const sheet: CueSheet = {
    name,
    catalog: undefined,
    cdTextFile: undefined,
    cdText: {},
    files: [],
    tracks: [],
  };
  if (text.length > CUE_LIMITS.maxBytes) {
    throw cueError(
      name,
      0,
      `${text.length} characters; a CUE sheet holds at most ${CUE_LIMITS.maxBytes}`,
    );
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let file: CueFile | undefined;
  let track: CueTrack | undefined;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i] as string;
    // Annotated so that TypeScript narrows after a call (a never-returning function type).
    const fail: (what: string) => never = (what) => {
      throw cueError(name, lineNo, what);
    };
    if (raw.length > CUE_LIMITS.maxLineChars)
      fail(`line longer than ${CUE_LIMITS.maxLineChars} characters`);
    const w = words(raw, fail);
    if (w.length === 0) continue;
    const keyword = (w[0] as string).toUpperCase();
    const args = w.slice(1);
    const arity = (n: number) => {
      if (args.length !== n) fail(`${keyword} takes ${n} value(s), ${args.length} given`);
    };
    const inTrack = (): CueTrack => track ?? fail(`${keyword} belongs inside a TRACK`);
    const beforeIndex = (t: CueTrack) => {
      if (t.indexes.length > 0) fail(`${keyword} comes before the track's INDEX lines`);
    };
    switch (keyword) {
      case 'REM':
        break;
      case 'CATALOG': {
        arity(1);
        if (sheet.tracks.length > 0) fail('CATALOG comes before the first TRACK');
        if (sheet.catalog !== undefined) fail('CATALOG is given twice');
        if (!/^\d{13}$/.test(args[0] as string)) fail(`CATALOG "${args[0]}" is not 13 digits`);
        sheet.catalog = args[0];
        break;
      }
      case 'CDTEXTFILE': {
        arity(1);
        if (sheet.tracks.length > 0) fail('CDTEXTFILE comes before the first TRACK');
        if (sheet.cdTextFile !== undefined) fail('CDTEXTFILE is given twice');
        sheet.cdTextFile = { path: args[0] as string, line: lineNo };
        break;
      }
      case 'TITLE':
      case 'PERFORMER':
      case 'SONGWRITER': {
        arity(1);
        const value = args[0] as string;
        if (value.length > CUE_LIMITS.maxCdTextChars) {
          fail(`${keyword} of ${value.length} characters; at most ${CUE_LIMITS.maxCdTextChars}`);
        }
        const target = track?.cdText ?? sheet.cdText;
        const field = keyword.toLowerCase() as keyof CueCdText;
        if (target[field] !== undefined) fail(`${keyword} is given twice`);
        target[field] = value;
        break;
      }
      case 'FILE': {
        arity(2);
        const type = (args[1] as string).toUpperCase();
        if (!FILE_TYPES.includes(type)) {
          fail(`FILE type ${args[1]} is not supported (BINARY, MOTOROLA, WAVE are)`);
        }
        if (sheet.files.length >= CUE_LIMITS.maxFiles)
          fail(`more than ${CUE_LIMITS.maxFiles} FILEs`);
        if ((args[0] as string).length === 0) fail('FILE has an empty name');
        file = { path: args[0] as string, type: type as CueFileType, line: lineNo };
        sheet.files.push(file);
        break;
      }
      case 'TRACK': {
        arity(2);
        if (file === undefined) fail('TRACK before any FILE');
        if (track !== undefined && !track.indexes.some((x) => x.number === 1)) {
          fail(`track ${track.number} (line ${track.line}) has no INDEX 01`);
        }
        if (!/^\d{1,2}$/.test(args[0] as string)) fail(`track number "${args[0]}" is not 1..99`);
        const number = Number(args[0]);
        const prev = sheet.tracks[sheet.tracks.length - 1];
        if (number < 1) fail('track number 0; tracks are 1..99');
        if (prev !== undefined && number !== prev.number + 1) {
          fail(`track ${number} follows track ${prev.number}; numbers go up by one`);
        }
        const type = (args[1] as string).toUpperCase();
        if (!TRACK_TYPES.includes(type)) {
          fail(`track type ${args[1]} is not supported (${TRACK_TYPES.join(', ')} are)`);
        }
        if (file.type !== 'BINARY' && type !== 'AUDIO') {
          fail(`a ${file.type} file holds audio only; track type ${type} needs a BINARY file`);
        }
        track = {
          number,
          type: type as CueTrackType,
          file,
          line: lineNo,
          indexes: [],
          pregapFile: undefined,
          pregapFrames: 0,
          postgapFrames: 0,
          isrc: undefined,
          flags: new Set(),
          cdText: {},
        };
        sheet.tracks.push(track);
        break;
      }
      case 'INDEX': {
        arity(2);
        const t = inTrack();
        if (t.postgapFrames > 0) fail('INDEX after POSTGAP');
        if (!/^\d{1,2}$/.test(args[0] as string)) fail(`index number "${args[0]}" is not 0..99`);
        const number = Number(args[0]);
        const frames = parseMsf(args[1], fail);
        let last = t.indexes[t.indexes.length - 1];
        if (file !== undefined && t.file !== file) {
          // Only INDEX 00 may lie in the FILE before: the pregap ends that file, the track
          // starts the next at its INDEX 01.
          if (
            t.indexes.length > 0 &&
            (last?.number !== 0 || t.indexes.length !== 1 || number !== 1)
          ) {
            fail(
              `track ${t.number}'s indexes lie in two FILEs; only INDEX 00 may lie in the FILE before INDEX 01's`,
            );
          }
          if (t.type !== 'AUDIO' && file.type !== 'BINARY') {
            fail(`a ${file.type} file holds audio only; track type ${t.type} needs a BINARY file`);
          }
          // A TRACK line before the FILE line with no index yet simply belongs to the new FILE.
          if (t.indexes.length > 0) t.pregapFile = t.file;
          t.file = file;
          last = undefined; // positions restart in the new file
        }
        const expected = last === undefined ? undefined : last.number + 1;
        if (last === undefined ? number > 1 : number !== expected) {
          fail(`INDEX ${args[0]}: a track's indexes start at 00 or 01 and go up by one`);
        }
        if (last !== undefined && frames <= last.frames) {
          fail(`INDEX ${args[0]} at ${args[1]} is not after the index before it`);
        }
        const before = sheet.tracks[sheet.tracks.length - 2];
        const prevFirst =
          before !== undefined && before.file === t.file
            ? before.indexes[before.indexes.length - 1]
            : undefined;
        if (last === undefined && prevFirst !== undefined && frames <= prevFirst.frames) {
          fail(`INDEX ${args[0]} at ${args[1]} is not after track ${before?.number}'s last index`);
        }
        t.indexes.push({ number, frames, line: lineNo });
        break;
      }
      case 'PREGAP': {
        arity(1);
        const t = inTrack();
        beforeIndex(t);
        if (t.pregapFrames > 0) fail('PREGAP is given twice');
        t.pregapFrames = parseMsf(args[0], fail);
        break;
      }
      case 'POSTGAP': {
        arity(1);
        const t = inTrack();
        if (!t.indexes.some((x) => x.number === 1)) fail('POSTGAP comes after INDEX 01');
        if (t.postgapFrames > 0) fail('POSTGAP is given twice');
        t.postgapFrames = parseMsf(args[0], fail);
        break;
      }
      case 'ISRC': {
        arity(1);
        const t = inTrack();
        beforeIndex(t);
        if (t.isrc !== undefined) fail('ISRC is given twice');
        const v = (args[0] as string).toUpperCase();
        if (!/^[A-Z0-9]{5}\d{7}$/.test(v)) {
          fail(`ISRC "${args[0]}" is not 5 letters/digits then 7 digits (CCOOOYYSSSSS)`);
        }
        t.isrc = v;
        break;
      }
      case 'FLAGS': {
        const t = inTrack();
        beforeIndex(t);
        if (args.length === 0) fail('FLAGS without a flag');
        for (const f of args) {
          const flag = f.toUpperCase();
          if (!FLAGS.includes(flag)) fail(`flag ${f} is not DCP, 4CH, PRE or SCMS`);
          // IMAPI2's track info has no four-channel bit and offers no SCMS copy setting.
          if (flag === '4CH') fail('FLAGS 4CH: four-channel audio is not supported');
          if (flag === 'SCMS') fail('FLAGS SCMS: the SCMS copy setting is not supported');
          t.flags.add(flag as CueFlag);
        }
        break;
      }
      default:
        fail(`unknown keyword ${w[0]}`);
    }
  }
  const last = sheet.tracks[sheet.tracks.length - 1];
  if (last === undefined) throw cueError(name, lines.length, 'the sheet has no TRACK');
  if (!last.indexes.some((x) => x.number === 1)) {
    throw cueError(name, last.line, `track ${last.number} has no INDEX 01`);
  }
  return sheet;
}
