// CD-TEXT (MMC-3 Annex J, IEC 61866; the packs READ TOC/PMA/ATIP format 0101b returns), pure: texts
// to 18-byte packs and back (block 0, ISO 8859-1, size information 0x8F last), and the packs as the
// lead-in's 6-bit R-W symbols (24 a pack, 4 packs a sector). Choices: docs/raw-cd.md "CD-TEXT".

import { invalidArgument, MalformedDataError } from '../../errors.js';
import { qCrc } from './subchannel.js';

/** Bytes of one CD-TEXT pack. */
export const CD_TEXT_PACK_BYTES = 18;
/** Payload bytes of one pack. */
export const CD_TEXT_PACK_DATA_BYTES = 12;
/** 6-bit R-W symbols of one pack (18 bytes × 8 bits / 6). */
export const CD_TEXT_PACK_SYMBOLS = 24;
/** Packs in the R-W subchannel of one lead-in sector (96 symbols / 24). */
export const CD_TEXT_PACKS_PER_SECTOR = 4;
const MAX_PACKS = 256; // packs in a block: ID3 (sequence number) is one byte

/** Pack types (ID1). */
export const CdTextPackType = {
  TITLE: 0x80,
  PERFORMER: 0x81,
  SONGWRITER: 0x82,
  COMPOSER: 0x83,
  ARRANGER: 0x84,
  MESSAGE: 0x85,
  DISC_ID: 0x86,
  GENRE: 0x87,
  TOC: 0x88,
  TOC2: 0x89,
  CLOSED_INFO: 0x8d,
  UPC_ISRC: 0x8e,
  SIZE_INFO: 0x8f,
} as const;

/** Character code byte of the size information (ID 0x8F byte 0). */
export const CD_TEXT_CHARSET_ISO_8859_1 = 0x00;
/** EBU Tech 3264 language code of English, the default of block 0. */
export const CD_TEXT_LANGUAGE_ENGLISH = 0x09;

/** Texts that the album and every track may carry (pack types 0x80..0x85). */
export interface CdTextStrings {
  readonly title?: string;
  readonly performer?: string;
  readonly songwriter?: string;
  readonly composer?: string;
  readonly arranger?: string;
  readonly message?: string;
}

export interface CdTextAlbum extends CdTextStrings {
  /** Pack type 0x86, album only. */
  readonly discId?: string;
  /** Pack type 0x87, album only: a genre code (0..0xFFFF) and a supplementary text. */
  readonly genre?: { readonly code: number; readonly text?: string };
  /** Pack type 0x8E for track 0: the UPC/EAN (13 digits). */
  readonly upcCode?: string;
}

export interface CdTextTrack extends CdTextStrings {
  /** Pack type 0x8E for this track: the ISRC (12 characters). */
  readonly isrc?: string;
}

/** The texts of one block. */
export interface CdText {
  readonly album: CdTextAlbum;
  /** One entry per track, from `firstTrackNumber` on. */
  readonly tracks: readonly CdTextTrack[];
  /** Track number of `tracks[0]`; 1 unless said. */
  readonly firstTrackNumber?: number;
  /** Language code of block 0; English (0x09) unless said. */
  readonly languageCode?: number;
}

/** One decoded pack. */
export interface CdTextPack {
  readonly packType: number;
  readonly trackNumber: number;
  readonly extension: boolean;
  readonly sequenceNumber: number;
  readonly doubleByte: boolean;
  readonly blockNumber: number;
  readonly characterPosition: number;
  readonly data: Uint8Array;
  readonly crcOk: boolean;
}

const STRING_FIELDS = [
  'title',
  'performer',
  'songwriter',
  'composer',
  'arranger',
  'message',
] as const;

/** The CRC of a pack (bytes 0..15): the Q subchannel's CRC-16, x^16+x^12+x^5+1, inverted. */
export function cdTextCrc(pack: Uint8Array, at = 0): number {
  return qCrc(pack, at, at + 16);
}

function latin1(text: string, what: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (c === 0 || c > 0xff)
      throw invalidArgument(`CD-TEXT ${what} "${text}" is not ISO 8859-1 text`);
    out.push(c);
  }
  return out;
}

/** The texts of one pack type, track by track (index 0 = album), or undefined when all empty. */
function itemsOf(text: CdText, type: number): (number[] | undefined)[] | undefined {
  const all: (CdTextStrings & CdTextTrack & CdTextAlbum)[] = [text.album, ...text.tracks];
  let items: (number[] | undefined)[];
  if (type >= 0x80 && type <= 0x85) {
    const key = STRING_FIELDS[type - 0x80] as (typeof STRING_FIELDS)[number];
    items = all.map((t) => (t[key] ? [...latin1(t[key], key), 0] : undefined));
  } else if (type === CdTextPackType.DISC_ID) {
    items = [text.album.discId ? [...latin1(text.album.discId, 'disc id'), 0] : undefined];
  } else if (type === CdTextPackType.GENRE) {
    const g = text.album.genre;
    if (g === undefined) return undefined;
    if (!Number.isInteger(g.code) || g.code < 0 || g.code > 0xffff) {
      throw invalidArgument(`CD-TEXT genre code ${String(g.code)} is not 16 bits`);
    }
    items = [[g.code >> 8, g.code & 0xff, ...latin1(g.text ?? '', 'genre'), 0]];
  } else {
    if (text.album.upcCode !== undefined && !/^[0-9]{13}$/.test(text.album.upcCode)) {
      throw invalidArgument(`CD-TEXT UPC/EAN "${text.album.upcCode}" is not 13 digits`);
    }
    items = [text.album.upcCode, ...text.tracks.map((t) => t.isrc)].map((s, i) => {
      if (i > 0 && s !== undefined && !/^[A-Z0-9]{5}[0-9]{7}$/.test(s)) {
        throw invalidArgument(`CD-TEXT ISRC "${s}" is not CCOOOYYNNNNN`);
      }
      return s ? [...latin1(s, 'code'), 0] : undefined;
    });
  }
  return items.some((i) => i !== undefined) ? items : undefined;
}

/**
 * Encodes one block into packs (n × 18 bytes).
 *
 * byte 0      ID1 pack type (0x80..0x8F)
 * byte 1      ID2 bit 7 extension (0), bits 6..0 track number of the text the pack starts in
 *             (0 = album; the size packs carry 0, 1, 2)
 * byte 2      ID3 sequence number, 0.. over the block
 * byte 3      ID4 bit 7 double-byte (0), bits 6..4 block number (0), bits 3..0 character
 *             position: characters of that text already in earlier packs (15 = 15 or more)
 * bytes 4..15 text: NUL-terminated strings one after another, album then tracks; a pack type's
 *             last pack padded with zeros
 * bytes 16..17 CRC-16 inverted, most significant byte first
 * Size information (0x8F, 36 bytes over 3 packs): 0 character code, 1 first track, 2 last track,
 * 3 copyright flags, 4..19 packs of each type 0x80..0x8F, 20..27 last sequence number of blocks
 * 0..7, 28..35 language codes of blocks 0..7.
 */
export function encodeCdTextPacks(text: CdText): Uint8Array {
  const first = text.firstTrackNumber ?? 1;
  const last = first + text.tracks.length - 1;
  if (!Number.isInteger(first) || first < 1 || text.tracks.length < 1 || last > 99) {
    throw invalidArgument(`CD-TEXT tracks ${String(first)}..${String(last)} are not within 1..99`);
  }
  const language = text.languageCode ?? CD_TEXT_LANGUAGE_ENGLISH;
  if (!Number.isInteger(language) || language < 0 || language > 0xff) {
    throw invalidArgument(`CD-TEXT language code ${String(language)} is not one byte`);
  }
  const packs: Uint8Array[] = [];
  const counts = new Array<number>(16).fill(0);
  const newPack = (type: number, track: number, charPos: number): Uint8Array => {
    const p = new Uint8Array(CD_TEXT_PACK_BYTES);
    p[0] = type;
    p[1] = track;
    p[2] = packs.length; // ID3 Sequence Number
    p[3] = Math.min(charPos, 15); // ID4 block 0, single-byte, Character Position
    packs.push(p);
    counts[type & 0x0f] = (counts[type & 0x0f] as number) + 1;
    return p;
  };
  for (let type = 0x80; type <= 0x8e; type++) {
    const items = itemsOf(text, type);
    if (items === undefined) continue;
    let pack: Uint8Array | undefined;
    let at = CD_TEXT_PACK_DATA_BYTES;
    for (const [i, item] of items.entries()) {
      const bytes = item ?? [0];
      const track = i === 0 ? 0 : first + i - 1;
      for (const [pos, b] of bytes.entries()) {
        if (at === CD_TEXT_PACK_DATA_BYTES) {
          pack = newPack(type, track, pos);
          at = 0;
        }
        (pack as Uint8Array)[4 + at++] = b;
      }
    }
    // The next type starts a new pack; this one's unused bytes stay zero.
  }
  const total = packs.length + 3;
  if (total > MAX_PACKS) {
    throw invalidArgument(`CD-TEXT needs ${total} packs; a block holds at most ${MAX_PACKS}`);
  }
  const size = new Uint8Array(36);
  size[0] = CD_TEXT_CHARSET_ISO_8859_1;
  size[1] = first;
  size[2] = last;
  size[3] = 0; // copyright flags: none
  counts[0x0f] = 3;
  size.set(counts, 4);
  size[20] = total - 1; // last sequence number of block 0
  size[28] = language;
  for (let i = 0; i < 3; i++) {
    const p = newPack(CdTextPackType.SIZE_INFO, i, 0);
    p.set(size.subarray(i * 12, i * 12 + 12), 4);
  }
  const out = new Uint8Array(packs.length * CD_TEXT_PACK_BYTES);
  for (const [i, p] of packs.entries()) {
    const crc = cdTextCrc(p);
    p[16] = crc >> 8;
    p[17] = crc & 0xff;
    out.set(p, i * CD_TEXT_PACK_BYTES);
  }
  return out;
}

/** Splits bytes into packs (a multiple of 18 bytes) and checks each CRC. */
export function decodeCdTextPacks(bytes: Uint8Array): CdTextPack[] {
  if (bytes.length % CD_TEXT_PACK_BYTES !== 0) {
    throw new MalformedDataError(`CD-TEXT of ${bytes.length} bytes is not whole 18-byte packs`);
  }
  const out: CdTextPack[] = [];
  for (let at = 0; at < bytes.length; at += CD_TEXT_PACK_BYTES) {
    const p = bytes.subarray(at, at + CD_TEXT_PACK_BYTES);
    const id2 = p[1] as number;
    const id4 = p[3] as number;
    out.push({
      packType: p[0] as number,
      trackNumber: id2 & 0x7f,
      extension: (id2 & 0x80) !== 0,
      sequenceNumber: p[2] as number,
      doubleByte: (id4 & 0x80) !== 0,
      blockNumber: (id4 >> 4) & 7,
      characterPosition: id4 & 0x0f,
      data: p.slice(4, 16),
      crcOk: cdTextCrc(p) === (((p[16] as number) << 8) | (p[17] as number)),
    });
  }
  return out;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Decodes block 0 of a pack list back to texts. Throws MalformedDataError for a CRC error, a
 * pack type outside 0x80..0x8F, no or short size information, a character code other than
 * ISO 8859-1 or double-byte text. A text of TAB (0x09) alone repeats the previous track's.
 */
export function decodeCdText(bytes: Uint8Array): CdText {
  const packs = decodeCdTextPacks(bytes).filter((p) => p.blockNumber === 0);
  for (const p of packs) {
    if (!p.crcOk) throw new MalformedDataError(`CD-TEXT pack ${p.sequenceNumber} fails its CRC`);
    if (p.packType < 0x80 || p.packType > 0x8f) {
      throw new MalformedDataError(`CD-TEXT pack type 0x${p.packType.toString(16)} is unknown`);
    }
    if (p.doubleByte) throw new MalformedDataError('double-byte CD-TEXT is not supported');
  }
  const sizePacks = packs.filter((p) => p.packType === CdTextPackType.SIZE_INFO);
  if (sizePacks.length < 3) throw new MalformedDataError('CD-TEXT block has no size information');
  const size = new Uint8Array(36);
  for (const p of sizePacks.slice(0, 3)) {
    if (p.trackNumber > 2) throw new MalformedDataError('CD-TEXT size pack numbered past 2');
    size.set(p.data, p.trackNumber * 12);
  }
  if (size[0] !== CD_TEXT_CHARSET_ISO_8859_1) {
    throw new MalformedDataError(`CD-TEXT character code 0x${(size[0] as number).toString(16)}`);
  }
  const first = size[1] as number;
  const last = size[2] as number;
  if (first < 1 || last < first || last > 99) {
    throw new MalformedDataError(`CD-TEXT tracks ${first}..${last}`);
  }
  const album: Mutable<CdTextAlbum> = {};
  const tracks: Mutable<CdTextTrack>[] = Array.from({ length: last - first + 1 }, () => ({}));
  const target = (track: number): (Mutable<CdTextAlbum> & Mutable<CdTextTrack>) | undefined =>
    track === 0 ? album : tracks[track - first];
  for (let type = 0x80; type <= 0x8e; type++) {
    const ofType = packs.filter((p) => p.packType === type);
    if (ofType.length === 0) continue;
    ofType.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
    const data = ofType.flatMap((p) => [...p.data]);
    const head = ofType[0] as CdTextPack;
    if (head.characterPosition !== 0) {
      throw new MalformedDataError(`CD-TEXT pack type 0x${type.toString(16)} starts mid-text`);
    }
    if (type === CdTextPackType.GENRE) {
      const end = data.indexOf(0, 2);
      const genreText = String.fromCharCode(...data.slice(2, end < 0 ? data.length : end));
      album.genre = {
        code: ((data[0] ?? 0) << 8) | (data[1] ?? 0),
        ...(genreText ? { text: genreText } : {}),
      };
      continue;
    }
    let track = head.trackNumber;
    const lastTrack = type === CdTextPackType.DISC_ID ? 0 : last;
    let start = 0;
    let previous = '';
    for (let i = 0; i < data.length && track <= lastTrack; i++) {
      if (data[i] !== 0) continue;
      let s = String.fromCharCode(...data.slice(start, i));
      if (s === '\t') s = previous;
      previous = s;
      const t = target(track);
      if (t !== undefined && s !== '') {
        if (type <= 0x85) t[STRING_FIELDS[type - 0x80] as (typeof STRING_FIELDS)[number]] = s;
        else if (type === CdTextPackType.DISC_ID && track === 0) album.discId = s;
        else if (type === CdTextPackType.UPC_ISRC) {
          if (track === 0) album.upcCode = s;
          else t.isrc = s;
        }
      }
      track = track === 0 ? first : track + 1;
      start = i + 1;
    }
  }
  return { album, tracks, firstTrackNumber: first, languageCode: size[28] as number };
}

/**
 * The lead-in's R-W symbols for a pack list: each pack's 18 bytes as 24 6-bit symbols (bits
 * 7..2 of byte 0 first), the list repeated (×1, ×2 or ×4) until it fills whole sectors of 4
 * packs. The lead-in carries this cycle over and over from its first sector; a raw P-W block
 * holds symbol i in bits 5..0 (R..W) of its byte i. No RS parity or interleaving is added: the
 * packs carry their own CRC (as cdrecord's raw96r and SAO lead-ins write them).
 */
export function cdTextLeadInSymbols(packs: Uint8Array): Uint8Array {
  const n = packs.length / CD_TEXT_PACK_BYTES;
  if (!Number.isInteger(n) || n < 1) {
    throw invalidArgument(`CD-TEXT of ${packs.length} bytes is not whole 18-byte packs`);
  }
  const repeat = n % 4 === 0 ? 1 : n % 2 === 0 ? 2 : 4;
  const out = new Uint8Array(n * repeat * CD_TEXT_PACK_SYMBOLS);
  let o = 0;
  for (let r = 0; r < repeat; r++) {
    for (let i = 0; i < packs.length; i += 3) {
      const a = packs[i] as number;
      const b = packs[i + 1] as number;
      const c = packs[i + 2] as number;
      out[o++] = a >> 2;
      out[o++] = ((a & 0x03) << 4) | (b >> 4);
      out[o++] = ((b & 0x0f) << 2) | (c >> 6);
      out[o++] = c & 0x3f;
    }
  }
  return out;
}

/** The 96 R-W symbols of lead-in sector `index` (0 = the lead-in's first sector). */
export function cdTextLeadInSector(symbols: Uint8Array, index: number): Uint8Array {
  const sectors = symbols.length / 96;
  if (!Number.isInteger(sectors) || sectors < 1 || !Number.isInteger(index) || index < 0) {
    throw invalidArgument('CD-TEXT lead-in symbols come in whole sectors from index 0');
  }
  const at = (index % sectors) * 96;
  return symbols.subarray(at, at + 96);
}

/** The packs (18 bytes each) carried by R-W symbols (a multiple of 24; bits 7..6 ignored). */
export function cdTextPacksFromSymbols(symbols: Uint8Array): Uint8Array {
  if (symbols.length % CD_TEXT_PACK_SYMBOLS !== 0) {
    throw new MalformedDataError(`${symbols.length} R-W symbols are not whole 24-symbol packs`);
  }
  const out = new Uint8Array((symbols.length / 4) * 3);
  for (let i = 0, o = 0; i < symbols.length; i += 4) {
    const s0 = (symbols[i] as number) & 0x3f;
    const s1 = (symbols[i + 1] as number) & 0x3f;
    const s2 = (symbols[i + 2] as number) & 0x3f;
    const s3 = (symbols[i + 3] as number) & 0x3f;
    out[o++] = (s0 << 2) | (s1 >> 4);
    out[o++] = ((s1 & 0x0f) << 4) | (s2 >> 2);
    out[o++] = ((s2 & 0x03) << 6) | s3;
  }
  return out;
}

/** Six 12-byte channels R..W of 96 symbols, for `packRawPW(p, q, channels)`. */
export function rwChannelsFromSymbols(symbols: Uint8Array): Uint8Array[] {
  if (symbols.length < 96) throw invalidArgument('a sector has 96 R-W symbols');
  const channels = Array.from({ length: 6 }, () => new Uint8Array(12));
  for (let i = 0; i < 96; i++) {
    for (let ch = 0; ch < 6; ch++) {
      const bit = ((symbols[i] as number) >> (5 - ch)) & 1;
      const c = channels[ch] as Uint8Array;
      c[i >> 3] = (c[i >> 3] as number) | (bit << (7 - (i & 7)));
    }
  }
  return channels;
}
