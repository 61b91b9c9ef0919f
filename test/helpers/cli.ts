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

/** The address of an image-backed virtual DVD+R; `extra` adds options (`&speed=1x`). */
export function dvd(img: string, extra = ''): string {
  return `virtual:dvd+r?image=${img}${extra}`;
}

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Spawns node with `args` as given (a script, its arguments); `env` replaces the environment. */
export function startNode(args: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(env === undefined ? {} : { env }),
  });
}

/** Spawns the CLI with `args`; `env` replaces the environment. */
export function start(args: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess {
  return startNode([MAIN, ...args], env);
}

/** Waits for the child to end; standard input gets `input`, or is closed at once. */
export function collect(child: ChildProcess, input?: Uint8Array): Promise<Run> {
  const ended = collectOpen(child);
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  return ended;
}

/** Like collect(), but standard input stays open for the caller (a source that stalls). */
export function collectOpen(child: ChildProcess): Promise<Run> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
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

/**
 * Calls `each` with every JSON line the child writes to standard output (a `--json` run's progress
 * updates and result), as whole lines arrive; the function returned stops the calls.
 */
export function onJsonLines(
  child: ChildProcess,
  each: (line: Record<string, unknown>) => void,
): () => void {
  let pending = '';
  const onData = (b: Buffer): void => {
    pending += b.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) each(JSON.parse(l) as Record<string, unknown>);
  };
  child.stdout?.on('data', onData);
  return () => child.stdout?.off('data', onData);
}

/**
 * Writes `src` from LBA 0 to the DVD+R in `img` at 1x through a 64 KiB drive buffer (4 MiB take
 * seconds) with --json, and sends the writer one SIGINT (a first Ctrl-C) as soon as a progress
 * update reports a written block; `interrupted` says whether that came before the end.
 */
export async function runPacedWriteInterrupted(
  img: string,
  src: string,
): Promise<{ readonly run: Run; readonly interrupted: boolean }> {
  const paced = dvd(img, '&speed=1x&buffer=64k');
  const child = start(['write-section', paced, src, '--lba', '0', '--json']);
  let interrupted = false;
  onJsonLines(child, (line) => {
    const u = line as { event?: string; blocksWritten?: number };
    if (!interrupted && u.event === 'update' && (u.blocksWritten ?? 0) > 0) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  const run = await collect(child);
  return { run, interrupted };
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
