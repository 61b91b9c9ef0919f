// `discwright read <recorder> --lba <n> --blocks <n> [--sector-size <bytes>] [-o <file>]`: reads
// blocks back with READ(10), one transfer-sized command at a time, to a file or to stdout; with
// `--raw 2352|2448` CD sectors with READ CD (sync, header, user data, EDC/ECC; 2448: with raw
// P-W), a rip of what was written. A failure to close the drive is reported and makes the exit
// status 1.

import { stat, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { DwError, HR, invalidArgument } from '../errors.js';
import { readCd } from '../scsi/mmc/read-cd.js';
import type { DiscRecorder } from '../device/recorder.js';
import { readBlockChunks } from '../device/media-ops.js';
import { parseVirtualAddress } from '../transport/emulated/address.js';
import { MAX_INT32 } from './args.js';
import { exitCodeFor } from './exit-codes.js';
import { errorReport, formatMB } from './format.js';
import { println, type CliIo, type OutputStream } from './io.js';
import { checkOutputPath, openOutput, outputFileError } from './output-file.js';
import { openCliRecorder } from './open-recorder.js';
import { Interrupt } from './section.js';
import { afterClose, closeRecorder } from './section-report.js';

export interface ReadOptions {
  readonly lba: number;
  readonly blocks: number;
  readonly sectorSize: number;
  readonly output?: string;
  /** READ CD of raw sectors: 2352 (main channel) or 2448 (with raw P-W). */
  readonly raw?: number;
}

/** Sectors per READ CD: 20 × 2448 bytes stays under a 64 KiB transfer. */
const RAW_PER_COMMAND = 20;

/** Raw CD sectors with READ CD, RAW_PER_COMMAND at a time; each reply checked for its length. */
async function* readRawChunks(
  recorder: DiscRecorder,
  lba: number,
  blocks: number,
  bytes: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  for (let done = 0; done < blocks;) {
    const n = Math.min(RAW_PER_COMMAND, blocks - done);
    const res = await recorder.executeCommand(
      readCd({
        lba: lba + done,
        transferLength: n,
        sync: true,
        headerCodes: 3,
        userData: true,
        edcEcc: true,
        subChannelSelection: bytes === 2448 ? 1 : 0,
        bytesPerSector: bytes,
      }),
    );
    const data = res.dataIn ?? new Uint8Array(0);
    if (data.length !== n * bytes) {
      throw new DwError(HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, {
        message: `READ CD of ${n} sectors at LBA ${lba + done} returned ${data.length} bytes, not ${n * bytes}`,
        lba: lba + done,
      });
    }
    yield data;
    done += n;
  }
}

async function writeAll(stream: OutputStream, chunk: Uint8Array): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/** The file behind a recorder address: a virtual drive's image, or a local device node. */
function backingFile(address: string): string | undefined {
  if (address.startsWith('virtual:')) return parseVirtualAddress(address).image;
  if (address.startsWith('/')) return address;
  return undefined;
}

async function identity(path: string): Promise<{ dev: number; ino: number } | undefined> {
  try {
    const st = await stat(path);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return undefined;
  }
}

/**
 * Refuses an output that is the file the blocks come from (the same inode): opening it for
 * writing would truncate the image, or write over the device, before the first block is read.
 */
async function checkOutputIsNotTheSource(address: string, output: string): Promise<void> {
  const source = backingFile(address);
  if (source === undefined) return;
  const [out, src] = await Promise.all([identity(output), identity(source)]);
  if (out !== undefined && src !== undefined && out.dev === src.dev && out.ino === src.ino) {
    throw invalidArgument(
      `refusing to write the output over ${source}, which the blocks are read from; choose another -o file`,
    );
  }
}

/** Runs the command; returns the exit status. */
export async function readCommand(io: CliIo, address: string, o: ReadOptions): Promise<number> {
  const interrupt = new Interrupt(io);
  let recorder: DiscRecorder | undefined;
  let file: FileHandle | undefined;
  let blocksRead = 0;
  let code: number;
  try {
    if (o.lba + o.blocks - 1 > MAX_INT32) {
      throw invalidArgument(`LBA ${o.lba} + ${o.blocks} blocks runs past LBA 2147483647`);
    }
    if (o.output === undefined && io.stdout.isTTY === true) {
      throw invalidArgument('refusing to write binary data to a terminal; use -o <file>');
    }
    if (o.output !== undefined) {
      await checkOutputPath(o.output);
      await checkOutputIsNotTheSource(address, o.output);
    }
    interrupt.check();
    // Read-only: a read-only image can be read, and a mistyped image path creates nothing.
    recorder = await openCliRecorder(address, { readOnly: true }, io.virtualFaults);
    // The file is created only once the recorder answered, so a bad address leaves nothing behind.
    if (o.output !== undefined) file = await openOutput(o.output);
    const range = { lba: o.lba, blocks: o.blocks, blockSize: o.sectorSize };
    const chunks =
      o.raw === undefined
        ? readBlockChunks(recorder, range)
        : readRawChunks(recorder, o.lba, o.blocks, o.raw);
    for await (const chunk of chunks) {
      if (file !== undefined) {
        const output = o.output ?? '';
        await file.write(chunk).catch((e: unknown) => {
          throw outputFileError(output, 'writing', e);
        });
      } else await writeAll(io.stdout, chunk);
      blocksRead += Math.floor(chunk.length / (o.raw ?? o.sectorSize));
      interrupt.check();
    }
    if (o.output !== undefined) {
      println(
        io.stderr,
        `read ${blocksRead} blocks (${formatMB(blocksRead * (o.raw ?? o.sectorSize))}) from LBA ${o.lba} to ${o.output}`,
      );
    }
    code = 0;
  } catch (e) {
    println(io.stderr, errorReport(e));
    if (blocksRead > 0) println(io.stderr, `${blocksRead} of ${o.blocks} blocks were read`);
    code = exitCodeFor(e);
  }
  interrupt.dispose();
  // The output's close can report a failed deferred write (a network file system): not swallowed.
  const fileError = await file?.close().then(
    () => undefined,
    (e: unknown) => outputFileError(o.output ?? '', 'closing', e),
  );
  if (fileError !== undefined) {
    println(io.stderr, errorReport(fileError));
    if (code === 0) code = exitCodeFor(fileError);
  }
  // A read-only drive writes nothing when it closes, but a close that fails is still reported.
  return afterClose(io, code, await closeRecorder(recorder));
}
