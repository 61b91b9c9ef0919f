// What a command may touch of the outside world: the output streams, standard input and Ctrl-C.
// main.ts builds it from the process; commands receive it, so they never reach for `process`.

import type { Readable, Writable } from 'node:stream';

export interface OutputStream extends Writable {
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: Readable;
  /**
   * Registers what the first Ctrl-C does while a command runs (a second one exits at once).
   * Returns the function that unregisters it.
   */
  onInterrupt(handler: () => void): () => void;
}

/** Writes a line of text (a newline is appended). */
export function println(stream: OutputStream, text = ''): void {
  stream.write(`${text}\n`);
}
