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
   * Registers what Ctrl-C does while a command runs: the handler returns true when it took the
   * interrupt, false to let the process exit at once (130). Returns the function that
   * unregisters it.
   */
  onInterrupt(handler: () => boolean): () => void;
  /**
   * Tests only: faults for a virtual drive the command opens, as JSON (the environment variable
   * DISCWRIGHT_TEST_VIRTUAL_FAULTS; see open-recorder.ts).
   */
  readonly virtualFaults?: string | undefined;
}

/** Writes a line of text (a newline is appended). */
export function println(stream: OutputStream, text = ''): void {
  stream.write(`${text}\n`);
}
