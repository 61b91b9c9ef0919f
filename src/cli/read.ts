// `discwright read <recorder> --lba <n> --blocks <n> [--sector-size <bytes>] [-o <file>]`: reads
// blocks back with READ(10), one transfer-sized command at a time, to a file or to stdout.

import { open, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { invalidArgument } from '../errors.js';
import { openRecorder } from '../device/open.js';
import type { DiscRecorder } from '../device/recorder.js';
import { readBlockChunks } from '../device/media-ops.js';
import { MAX_INT32 } from './args.js';
import { exitCodeFor } from './exit-codes.js';
import { errorReport, formatMB } from './format.js';
import { println, type CliIo, type OutputStream } from './io.js';
import { Interrupt } from './section.js';

export interface ReadOptions {
  readonly lba: number;
  readonly blocks: number;
  readonly sectorSize: number;
  readonly output?: string;
}

async function writeAll(stream: OutputStream, chunk: Uint8Array): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/** Runs the command; returns the exit status. */
export async function readCommand(io: CliIo, address: string, o: ReadOptions): Promise<number> {
  const interrupt = new Interrupt(io);
  let recorder: DiscRecorder | undefined;
  let file: FileHandle | undefined;
  let blocksRead = 0;
  try {
    if (o.lba + o.blocks - 1 > MAX_INT32) {
      throw invalidArgument(`LBA ${o.lba} + ${o.blocks} blocks runs past LBA 2147483647`);
    }
    if (o.output === undefined && io.stdout.isTTY === true) {
      throw invalidArgument('refusing to write binary data to a terminal; use -o <file>');
    }
    interrupt.check();
    recorder = await openRecorder(address);
    // The file is created only once the recorder answered, so a bad address leaves nothing behind.
    if (o.output !== undefined) file = await open(o.output, 'w');
    const range = { lba: o.lba, blocks: o.blocks, blockSize: o.sectorSize };
    for await (const chunk of readBlockChunks(recorder, range)) {
      if (file !== undefined) await file.write(chunk);
      else await writeAll(io.stdout, chunk);
      blocksRead += Math.floor(chunk.length / o.sectorSize);
      interrupt.check();
    }
    if (o.output !== undefined) {
      println(
        io.stderr,
        `read ${blocksRead} blocks (${formatMB(blocksRead * o.sectorSize)}) from LBA ${o.lba} to ${o.output}`,
      );
    }
    return 0;
  } catch (e) {
    println(io.stderr, errorReport(e));
    if (blocksRead > 0) println(io.stderr, `${blocksRead} of ${o.blocks} blocks were read`);
    return exitCodeFor(e);
  } finally {
    interrupt.dispose();
    await file?.close().catch(() => undefined);
    await recorder?.close().catch(() => undefined);
  }
}
