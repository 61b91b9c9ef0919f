// The transfer limits of a recorder's path (beyond IMAPI2; docs/decisions.md, "Transfer size from
// the path"): the largest transfer one command may carry, and the size that moves best. They come
// from the transport (Transport.limits(): the sg queue's max_sectors_kb, iSCSI's negotiated
// MaxBurstLength, the virtual drive's maxTransfer) and, where the drive lists it, from Block
// Limits VPD (B0h, SBC-3 6.5.3), read once per binding. Every figure is bounded: a path or a drive
// reporting 0, a fraction or an absurd size never becomes a WRITE of that size.

import { DwError } from '../errors.js';
import { inquiry, type InquiryData } from '../scsi/spc/inquiry.js';
import { decodeBlockLimits, decodeSupportedVpdPages, VpdPage } from '../scsi/spc/vpd.js';
import type { TransportLimits } from '../transport/transport.js';
import type { CommandRunner } from './command-runner.js';

/** IMAPI2's transfer size: what a path that reports nothing gets. */
export const DEFAULT_TRANSFER_BYTES = 65536;
/** The largest transfer discwright sends (WriteEngine.maxTransferSize's bound). */
export const MAX_TRANSFER_BYTES = 16 * 1024 * 1024;
/**
 * Block Limits counts logical blocks; an MMC drive's logical block for data is 2048 bytes
 * (READ CAPACITY on every data medium).
 */
const VPD_BLOCK_BYTES = 2048;
/** VERSION of SPC-2, the first to make the Supported VPD Pages page mandatory. */
const SPC2_VERSION = 4;

/** A recorder's transfer limits (DiscRecorder.getTransferLimits). */
export interface TransferLimits {
  /** Largest transfer of one command, bytes: the path's, lowered by Block Limits. */
  readonly maximumBytes: number;
  /** The transfer that moves best, bytes, at most `maximumBytes`: the default WRITE size. */
  readonly preferredBytes: number;
  /** Block Limits as the drive answered it; undefined when it does not list the page. */
  readonly blockLimits:
    { readonly maximumTransferLength: number; readonly optimalTransferLength: number } | undefined;
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** The path's largest transfer: 64 KiB when it reports none, never above 16 MiB. */
export function boundedMaximum(limits: TransportLimits): number {
  const max = limits.maxPageAlignedTransferBytes;
  return positive(max) ? Math.min(max, MAX_TRANSFER_BYTES) : DEFAULT_TRANSFER_BYTES;
}

/**
 * The limits from the transport's and the drive's figures (pure): the maximum is the path's,
 * lowered to Block Limits' MAXIMUM TRANSFER LENGTH when the drive reports one; the preferred size
 * is the path's (iSCSI's MaxBurstLength), else Block Limits' OPTIMAL TRANSFER LENGTH, else 64 KiB,
 * never below 64 KiB (a smaller burst costs more R2Ts per WRITE, not more than more WRITEs) nor
 * above the maximum.
 */
export function combineLimits(
  limits: TransportLimits,
  blockLimits: TransferLimits['blockLimits'],
): TransferLimits {
  let maximumBytes = boundedMaximum(limits);
  const driveMax = blockLimits?.maximumTransferLength ?? 0;
  if (driveMax > 0) maximumBytes = Math.min(maximumBytes, driveMax * VPD_BLOCK_BYTES);
  const pathPreferred = limits.preferredTransferBytes;
  const driveOptimal = (blockLimits?.optimalTransferLength ?? 0) * VPD_BLOCK_BYTES;
  const wanted = positive(pathPreferred)
    ? pathPreferred
    : driveOptimal > 0
      ? driveOptimal
      : DEFAULT_TRANSFER_BYTES;
  const preferredBytes = Math.min(
    Math.max(wanted, DEFAULT_TRANSFER_BYTES),
    maximumBytes,
    MAX_TRANSFER_BYTES,
  );
  return { maximumBytes, preferredBytes, blockLimits };
}

const cache = new WeakMap<CommandRunner, Promise<TransferLimits>>();

/**
 * The limits of `runner`'s path, Block Limits read at most once per runner (binding). A drive
 * that claims SPC-2 or later is asked for its Supported VPD Pages; Block Limits is read only when
 * listed. A drive that answers either with CHECK CONDITION, or with data that does not decode, is
 * taken as not reporting limits; a transport failure rejects (and is asked again next time).
 */
export function transferLimits(runner: CommandRunner, id: InquiryData): Promise<TransferLimits> {
  let p = cache.get(runner);
  if (p === undefined) {
    p = readLimits(runner, id);
    cache.set(runner, p);
    p.catch(() => cache.delete(runner));
  }
  return p;
}

async function readLimits(runner: CommandRunner, id: InquiryData): Promise<TransferLimits> {
  let found: TransferLimits['blockLimits'];
  if (id.version >= SPC2_VERSION) {
    const pages = await vpdPage(runner, VpdPage.SUPPORTED_VPD_PAGES, 255, decodeSupportedVpdPages);
    if (pages?.includes(VpdPage.BLOCK_LIMITS) === true) {
      found = await vpdPage(runner, VpdPage.BLOCK_LIMITS, 64, decodeBlockLimits);
    }
  }
  return combineLimits(
    runner.transport.limits(),
    found === undefined
      ? undefined
      : {
          maximumTransferLength: found.maximumTransferLength,
          optimalTransferLength: found.optimalTransferLength,
        },
  );
}

/** One VPD page, decoded; undefined when the drive refused it or its data does not decode. */
async function vpdPage<T>(
  runner: CommandRunner,
  pageCode: number,
  allocationLength: number,
  decode: (bytes: Uint8Array) => T,
): Promise<T | undefined> {
  const command = inquiry({ evpd: true, pageCode, allocationLength });
  let data: Uint8Array;
  try {
    data = (await runner.run(command)).dataIn;
  } catch (e) {
    // The drive answered (CHECK CONDITION): it has no such page. Anything else is the path's.
    if (e instanceof DwError && e.sense !== undefined) return undefined;
    throw e;
  }
  try {
    return decode(data);
  } catch {
    return undefined;
  }
}
