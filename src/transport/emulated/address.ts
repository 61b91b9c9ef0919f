// Virtual drive addresses: `virtual:<media>[?key=value&...]` (docs/virtual-drive.md). Parsing is
// strict: an unknown media name, an unknown key or a malformed value is an argument error, so a
// typo never silently yields a different drive.

import { invalidArgument } from '../../errors.js';
import { MEDIA_IDS, type MediaId } from './media.js';

/** What a full drive buffer does to a WRITE: answer 02/04/08, or hold the command until room. */
export type FullBufferPolicy = 'busy' | 'block';

/** Format of the sense data sent with CHECK CONDITION: fixed (70h) or descriptor (72h). */
export type SenseFormat = 'fixed' | 'descriptor';

/**
 * Real Time Streaming (0107h) as the drive reports it: `on` with SW (WRITE(12) Streaming),
 * `off` listed without SW (a drive that cannot stream-write), `absent` not listed at all.
 */
export type StreamingSupport = 'on' | 'off' | 'absent';

/** Loading mechanism of the Removable Medium feature: a tray, or a slot that cannot load. */
export type LoaderType = 'tray' | 'slot';

/**
 * What CD Mastering (002Eh) offers: `raw96` SAO and Raw with R-W (Data Block Types 1-3),
 * `raw16` SAO and Raw without R-W (Data Block Type 1 only), `sao` no raw writing.
 */
export type CdMasteringSupport = 'raw96' | 'raw16' | 'sao';

export interface VirtualDriveOptions {
  /** The loaded disc, or `none` for an empty drive. */
  readonly media: MediaId | 'none';
  /** Backing image file (sparse); undefined keeps the disc in memory. */
  readonly image: string | undefined;
  /** Write speed as a multiple of the media's 1x rate; undefined = `max` (no pacing). */
  readonly speedX: number | undefined;
  /** Drive buffer size in bytes. */
  readonly bufferBytes: number;
  /** Largest transfer the transport accepts, bytes. */
  readonly maxTransferBytes: number;
  readonly onFullBuffer: FullBufferPolicy;
  /** Initial BUFE bit of the Write Parameters page. */
  readonly bufe: boolean;
  /** Capacity override in blocks (small discs for tests); undefined = the media's standard size. */
  readonly capacityBlocks: number | undefined;
  /** Rewritable media (DVD+RW, BD-RE, DVD-RW) loaded already formatted. */
  readonly formatted: boolean;
  /** Entries kept in the command log (oldest dropped first). */
  readonly logLimit: number;
  /** Sense data format of CHECK CONDITION results (REQUEST SENSE follows its DESC bit). */
  readonly senseFormat: SenseFormat;
  /** Real Time Streaming support (SW bit, or the feature itself). */
  readonly streaming: StreamingSupport;
  /** Loading mechanism type (slot drives cannot close a tray). */
  readonly loader: LoaderType;
  /** READ BUFFER CAPACITY implemented; false answers it with 05/20/00. */
  readonly readBufferCapacity: boolean;
  /**
   * A load commanded by START STOP UNIT (LoEj, Start) reports 06/28/00 to the host; false
   * models drives (and tgt) that report none then. A disc put in with `control.load` always does.
   */
  readonly loadAttention: boolean;
  /**
   * Block Limits VPD (B0h) answered with these lengths in blocks (0: not reported); undefined
   * (the default, as most MMC drives) leaves the page unsupported.
   */
  readonly blockLimits: { readonly maximum: number; readonly optimal: number } | undefined;
  /** Raw CD writing the drive offers (CD Mastering's Raw and R-W bits, page 05h's checks). */
  readonly cdMastering: CdMasteringSupport;
  /**
   * Image-backed: how the writer thread writes the image: `direct` (O_DIRECT where the system
   * and file system allow it, else through the page cache) or `buffered` (the page cache only).
   */
  readonly imageIo: 'direct' | 'buffered';
}

export const DEFAULT_BUFFER_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_TRANSFER_BYTES = 65536;

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  k: 1024,
  kib: 1024,
  m: 1024 * 1024,
  mib: 1024 * 1024,
};

function parseSize(key: string, text: string, min: number, max: number): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m === null ? undefined : SIZE_UNITS[(m[2] ?? '').toLowerCase()];
  if (m === null || unit === undefined) throw invalidArgument(`virtual drive: bad ${key}=${text}`);
  const value = Number(m[1]) * unit;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidArgument(`virtual drive: ${key}=${text} is outside ${min}..${max} bytes`);
  }
  return value;
}

function parseBool(key: string, text: string): boolean {
  const t = text.toLowerCase();
  if (t === '1' || t === 'true' || t === 'on' || t === 'yes') return true;
  if (t === '0' || t === 'false' || t === 'off' || t === 'no') return false;
  throw invalidArgument(`virtual drive: ${key}=${text} is not a boolean (on/off, 1/0, true/false)`);
}

function parseStreaming(text: string): StreamingSupport {
  try {
    return parseBool('streaming', text) ? 'on' : 'off';
  } catch {
    throw invalidArgument(`virtual drive: streaming=${text} (on, off or absent)`);
  }
}

function parseSpeed(text: string): number | undefined {
  const t = text.toLowerCase();
  if (t === 'max') return undefined;
  const m = /^(\d+(?:\.\d+)?)x?$/.exec(t);
  const x = m === null ? NaN : Number(m[1]);
  if (!(x > 0) || x > 1000)
    throw invalidArgument(`virtual drive: bad speed=${text} (max or e.g. 16x)`);
  return x;
}

/** Parses `virtual:<media>[?key=value&...]`. */
export function parseVirtualAddress(address: string): VirtualDriveOptions {
  const m = /^virtual:([^?]*)(?:\?(.*))?$/.exec(address);
  if (m === null) throw invalidArgument(`not a virtual drive address: ${address}`);
  const mediaText = decodeURIComponent(m[1] ?? '').toLowerCase();
  if (mediaText !== 'none' && !(MEDIA_IDS as readonly string[]).includes(mediaText)) {
    throw invalidArgument(
      `virtual drive: unknown media '${mediaText}' (one of ${MEDIA_IDS.join(', ')}, none)`,
    );
  }
  const opts: {
    -readonly [K in keyof VirtualDriveOptions]: VirtualDriveOptions[K];
  } = {
    media: mediaText as MediaId | 'none',
    image: undefined,
    speedX: undefined,
    bufferBytes: DEFAULT_BUFFER_BYTES,
    maxTransferBytes: DEFAULT_MAX_TRANSFER_BYTES,
    onFullBuffer: 'block',
    bufe: true,
    capacityBlocks: undefined,
    formatted: false,
    logLimit: 1000,
    senseFormat: 'fixed',
    streaming: 'on',
    loader: 'tray',
    readBufferCapacity: true,
    loadAttention: true,
    blockLimits: undefined,
    cdMastering: 'raw96',
    imageIo: 'direct',
  };
  const seen = new Set<string>();
  for (const part of (m[2] ?? '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    if (seen.has(key)) throw invalidArgument(`virtual drive: ${key} given twice`);
    seen.add(key);
    switch (key) {
      case 'image':
        if (value === '') throw invalidArgument('virtual drive: image= needs a file path');
        opts.image = value;
        break;
      case 'speed':
        opts.speedX = parseSpeed(value);
        break;
      case 'buffer':
        opts.bufferBytes = parseSize(key, value, 64 * 1024, 1024 * 1024 * 1024);
        break;
      case 'maxTransfer':
        opts.maxTransferBytes = parseSize(key, value, 2048, 16 * 1024 * 1024);
        break;
      case 'full':
        if (value !== 'busy' && value !== 'block') {
          throw invalidArgument(`virtual drive: full=${value} (busy or block)`);
        }
        opts.onFullBuffer = value;
        break;
      case 'bufe':
        opts.bufe = parseBool(key, value);
        break;
      case 'formatted':
        opts.formatted = parseBool(key, value);
        break;
      case 'capacity': {
        const n = Number(value);
        if (!Number.isSafeInteger(n) || n < 1 || n > 0x7fffffff) {
          throw invalidArgument(`virtual drive: capacity=${value} must be a block count`);
        }
        opts.capacityBlocks = n;
        break;
      }
      case 'log': {
        const n = Number(value);
        if (!Number.isSafeInteger(n) || n < 0) {
          throw invalidArgument(`virtual drive: log=${value} must be a count of entries`);
        }
        opts.logLimit = n;
        break;
      }
      case 'sense':
        if (value !== 'fixed' && value !== 'descriptor') {
          throw invalidArgument(`virtual drive: sense=${value} (fixed or descriptor)`);
        }
        opts.senseFormat = value;
        break;
      case 'streaming':
        opts.streaming = value.toLowerCase() === 'absent' ? 'absent' : parseStreaming(value);
        break;
      case 'loader':
        if (value !== 'tray' && value !== 'slot') {
          throw invalidArgument(`virtual drive: loader=${value} (tray or slot)`);
        }
        opts.loader = value;
        break;
      case 'rbc':
        opts.readBufferCapacity = parseBool(key, value);
        break;
      case 'loadAttention':
        opts.loadAttention = parseBool(key, value);
        break;
      case 'blockLimits':
        opts.blockLimits = parseBlockLimits(value);
        break;
      case 'mastering':
        if (value !== 'raw96' && value !== 'raw16' && value !== 'sao') {
          throw invalidArgument(`virtual drive: mastering=${value} (raw96, raw16 or sao)`);
        }
        opts.cdMastering = value;
        break;
      case 'imageIo':
        if (value !== 'direct' && value !== 'buffered') {
          throw invalidArgument(`virtual drive: imageIo=${value} (direct or buffered)`);
        }
        opts.imageIo = value;
        break;
      default:
        throw invalidArgument(
          `virtual drive: unknown option '${key}' (image, speed, buffer, maxTransfer, full, bufe, formatted, capacity, log, sense, streaming, loader, rbc, loadAttention, blockLimits, mastering, imageIo)`,
        );
    }
  }
  return opts;
}

/** `blockLimits=<maximum>[:<optimal>]`: Block Limits lengths in blocks, 32-bit, 0 = not reported. */
function parseBlockLimits(value: string): { maximum: number; optimal: number } {
  const m = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(value);
  const maximum = Number(m?.[1]);
  const optimal = Number(m?.[2] ?? 0);
  if (m === null || maximum > 0xffffffff || optimal > 0xffffffff) {
    throw invalidArgument(
      `virtual drive: blockLimits=${value} must be <maximum>[:<optimal>] in blocks (0..4294967295)`,
    );
  }
  return { maximum, optimal };
}
