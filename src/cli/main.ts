#!/usr/bin/env node
// The discwright command (entry point). The only module that touches the process: it parses the
// arguments (commander), builds the CliIo the commands use, owns Ctrl-C and sets the exit status.
// Command modules are loaded when their command runs, so a usage error answers without loading
// the engine and the transports.

import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  MAX_INT32,
  MIN_INT32,
  integerOption,
  parseBufferSize,
  parseMiB,
  parseSpeedHint,
  rejectRepeatedOptions,
} from './args.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { DISCWRIGHT_VERSION } from './version.js';

let interruptHandler: (() => boolean) | undefined;

const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  virtualFaults: process.env.DISCWRIGHT_TEST_VIRTUAL_FAULTS,
  onInterrupt(handler) {
    interruptHandler = handler;
    return () => {
      if (interruptHandler === handler) interruptHandler = undefined;
    };
  },
};

// The command's handler decides (section.ts, Interrupt): the first Ctrl-C cancels; while a section
// may have left acknowledged blocks in the drive, the second stops waiting for the engine but the
// drive is still asked and closed. Whatever the handler does not take exits at once.
process.on('SIGINT', () => {
  if (interruptHandler?.() === true) return;
  // A live progress line hides the cursor; give it back before leaving mid-line.
  if (process.stdout.isTTY) process.stdout.write('\u001b[?25h');
  process.stderr.write('\ninterrupted\n');
  process.exit(ExitCode.CANCELLED);
});

// A reader that goes away (`| head`) is not an error of ours.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

let exitCode: number = ExitCode.OK;

const RECORDER_HELP =
  'recorder address: virtual:<media>[?image=<file>&speed=<n>x], iscsi://host[:port]/<iqn>/<lun>, /dev/srN';

const program = new Command('discwright')
  .description('Write data to optical disc recorders through MMC (an IMAPI2-style write engine)')
  .version(DISCWRIGHT_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .option(
    '--trace',
    'print every SCSI command on stderr: CDB, LBA and blocks, status, sense, µs (also DISCWRIGHT_TRACE=1)',
  )
  .configureHelp({ showGlobalOptions: true })
  .exitOverride();

// --trace is global (before or after the command name); DISCWRIGHT_TRACE=1 does the same. The
// printer starts before the command opens its recorder, so the first INQUIRY is traced too.
program.hook('preAction', async (_program, action) => {
  const { startTrace } = await import('./trace.js');
  startTrace(io, action.optsWithGlobals<{ trace?: boolean }>().trace === true, process.env);
});

interface WriteOpts {
  lba: number;
  blocks?: number;
  sectorSize: number;
  write12?: boolean;
  startSpeed?: number;
  endSpeed?: number;
  buffer?: number;
  json?: boolean;
  force?: boolean;
  log?: string;
  report?: string;
}

const FORCE_HELP =
  "go past a holder known to be stale: a lock whose holder cannot be checked, a mounted disc, another program's O_EXCL on /dev/srN (never a running discwright)";

const EXCLUSIVE_HELP = `
The drive is held exclusively from before the first command to the end, as burners hold
/dev/srN with O_EXCL. While another program holds it nothing is sent and the command exits 1:
E_IMAPI_RECORDER_LOCKED naming the holder where it can be known (client and PID from a
discwright lock), or E_ACCESSDENIED when a file system on the disc is mounted.`;

program
  .command('write-section')
  .description('write blocks from a file or standard input to consecutive LBAs (IWriteEngine2)')
  .argument('<recorder>', RECORDER_HELP)
  .argument('<source>', 'the file to write, or - for standard input')
  .requiredOption(
    '--lba <n>',
    'first LBA (negative LBAs are valid on CD)',
    integerOption(MIN_INT32, MAX_INT32),
  )
  .option(
    '--blocks <n>',
    'blocks to write (default: source size / sector size; required for -)',
    integerOption(1, MAX_INT32),
  )
  .option('--sector-size <bytes>', 'bytes per sector, 1..65536', integerOption(1, 65536), 2048)
  .option('--write12', 'use WRITE(12) with the Streaming bit (drives with stream writing)')
  .option('--start-speed <sectors/s>', 'expected rate at the start (-1 = maximum)', parseSpeedHint)
  .option('--end-speed <sectors/s>', 'expected rate at the end (-1 = maximum)', parseSpeedHint)
  .option('--buffer <bytes>', 'host buffer, a multiple of 4096 (e.g. 512k, 8M)', parseBufferSize)
  .option('--json', 'print one JSON object per progress update, then a result object')
  .option('--force', FORCE_HELP)
  .option('--log <file>', 'keep the whole run as NDJSON: header, updates, retries, phases, result')
  .option('--report <file.html>', 'write the HTML report (speed and buffer charts) at the end')
  .addHelpText('after', EXCLUSIVE_HELP)
  .action(async (recorder: string, source: string, _o: unknown, cmd: Command) => {
    const { writeSectionCommand } = await import('./write-section.js');
    exitCode = await writeSectionCommand(io, recorder, source, cmd.opts<WriteOpts>());
  });

program
  .command('read')
  .description('read blocks back with READ(10), to a file or standard output')
  .argument('<recorder>', RECORDER_HELP)
  .requiredOption('--lba <n>', 'first LBA', integerOption(MIN_INT32, MAX_INT32))
  .requiredOption('--blocks <n>', 'blocks to read', integerOption(1, MAX_INT32))
  .option('--sector-size <bytes>', 'bytes per sector, 1..65536', integerOption(1, 65536), 2048)
  .option('-o, --output <file>', 'write to this file instead of standard output')
  .action(async (recorder: string, _o: unknown, cmd: Command) => {
    const { readCommand } = await import('./read.js');
    exitCode = await readCommand(
      io,
      recorder,
      cmd.opts<{ lba: number; blocks: number; sectorSize: number; output?: string }>(),
    );
  });

program
  .command('info')
  .description('identity, profiles, media status, capacity, NWA, free blocks, speeds, buffer')
  .argument('<recorder>', RECORDER_HELP)
  .option('--json', 'print the report as JSON')
  .option(
    '--map',
    "draw the disc's layout: sessions, tracks, NWA, free space (with --json: as JSON)",
  )
  .action(async (recorder: string, _o: unknown, cmd: Command) => {
    const { infoCommand } = await import('./info.js');
    exitCode = await infoCommand(io, recorder, cmd.opts<{ json?: boolean; map?: boolean }>());
  });

program
  .command('report')
  .description(
    'render a burn log (--log) as one self-contained HTML page with speed and buffer charts',
  )
  .argument('<log>', 'the NDJSON file write-section --log wrote')
  .requiredOption('-o, --output <file.html>', 'the HTML file to write')
  .action(async (log: string, _o: unknown, cmd: Command) => {
    const { reportCommand } = await import('./report.js');
    exitCode = await reportCommand(io, log, cmd.opts<{ output: string }>());
  });

program
  .command('devices')
  .description('list local drives, iSCSI targets at a portal, and the virtual media presets')
  .option('--iscsi <portal>', 'also ask this iSCSI portal (host[:port]) for its targets')
  .option('--json', 'print the list as JSON')
  .action(async (_o: unknown, cmd: Command) => {
    const { devicesCommand } = await import('./devices.js');
    exitCode = await devicesCommand(io, cmd.opts<{ iscsi?: string; json?: boolean }>());
  });

program
  .command('demo')
  .description(
    'write a generated image to a virtual DVD+R (no hardware needed) and show the result',
  )
  .option('--size <MiB>', 'image size in MiB, 1..4096', parseMiB, 64)
  .option('--dir <path>', 'directory for disc.img (default: a new temporary directory)')
  .option(
    '--speed <x>',
    'virtual drive speed, e.g. 16x or max',
    (text: string) => {
      if (!/^(max|\d+(\.\d+)?x?)$/i.test(text)) {
        throw new InvalidArgumentError(`'${text}' is not a speed (e.g. 16x or max).`);
      }
      return text;
    },
    '16x',
  )
  .option('--force', FORCE_HELP)
  .addHelpText('after', EXCLUSIVE_HELP)
  .action(async (_o: unknown, cmd: Command) => {
    const { demoCommand } = await import('./demo.js');
    exitCode = await demoCommand(
      io,
      cmd.opts<{ size: number; dir?: string; speed: string; force?: boolean }>(),
    );
  });

rejectRepeatedOptions(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof CommanderError)) throw e;
  // Help and version exit 0; every other parse failure is a usage error (nothing was sent).
  exitCode = e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
}

// Exit once stdout has drained, so piped output is complete even if standard input is still open.
process.stdout.write('', () => process.exit(exitCode));
