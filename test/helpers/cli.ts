// The built discwright command, spawned as a user runs it (dist/src/cli/main.js), and the test
// data the CLI tests write with it.

import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// From dist/test/helpers/ the CLI is dist/src/cli/main.js; from test/helpers/ (tsx) the same file.
export const MAIN = here.split(sep).includes('dist')
  ? resolve(here, '../../src/cli/main.js')
  : resolve(here, '../../dist/src/cli/main.js');

export const SECTOR = 2048;

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export function start(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Waits for the child to end; standard input gets `input`, or is closed at once. */
export function collect(child: ChildProcess, input?: Uint8Array): Promise<Run> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) =>
      res({
        code,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

export function run(args: readonly string[], input?: Uint8Array): Promise<Run> {
  return collect(start(args), input);
}

/** Deterministic test data: byte i of block b is (b * 7 + i) & 0xff, block number stamped. */
export function blocksOf(count: number, seed = 1): Buffer {
  const b = Buffer.alloc(count * SECTOR);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + seed * 17 + (i >> 11)) & 0xff;
  for (let k = 0; k < count; k++) b.writeUInt32BE(k ^ seed, k * SECTOR);
  return b;
}

export function jsonLines(stdout: Buffer): Record<string, unknown>[] {
  return stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
