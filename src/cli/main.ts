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
  parseTransferSize,
  parseMiB,
  parseSpeedHint,
  rejectRepeatedOptions,
} from './args.js';
import { addDiscToolCommands } from './disc-tool-commands.js';
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
  .option(
    '--buffer <bytes>',
    'host buffer, a multiple of 4096 (default 8M; over iSCSI 2 × queue depth × WRITE size)',
    parseBufferSize,
  )
  .option(
    '--queue-depth <n>',
    'WRITEs in flight where the drive queues them (iSCSI; default 32)',
    integerOption(1, 256),
  )
  .option(
    '--max-transfer <bytes>',
    "bytes per WRITE at most (default: the path's, iSCSI's MaxBurstLength; else 64k)",
    parseTransferSize,
  )
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
  .option('--raw <bytes>', 'CD: READ CD of 2352-byte sectors, or 2448 with raw P-W', (v) => {
    if (v !== '2352' && v !== '2448') throw new InvalidArgumentError(`'${v}' is not 2352 or 2448.`);
    return Number(v);
  })
  .option('-o, --output <file>', 'write to this file instead of standard output')
  .action(async (recorder: string, _o: unknown, cmd: Command) => {
    const { readCommand } = await import('./read.js');
    exitCode = await readCommand(io, recorder, cmd.opts());
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
  .command('serve')
  .description('serve virtual drives as an iSCSI target (LUN 0 the first) until Ctrl-C')
  .argument('<virtual-address...>', 'virtual:<media>[?image=<file>…], one per LUN')
  .option('--listen <host:port>', 'address to listen on', '127.0.0.1:3260')
  .option('--iqn <name>', 'the target name', 'iqn.2026-01.dev.discwright:serve')
  .option('--chap-user <name>', 'require CHAP (MD5) as this user')
  .option('--chap-secret-file <file>', 'its secret (else DISCWRIGHT_CHAP_SECRET)')
  .option('--mutual-chap-user <name>', "the target's CHAP name for mutual CHAP (default: the IQN)")
  .option(
    '--mutual-chap-secret-file <file>',
    "the target's secret for mutual CHAP (else DISCWRIGHT_MUTUAL_CHAP_SECRET)",
  )
  .option('--max-sessions <n>', 'normal sessions open at once', (text: string) => {
    if (!/^[1-9]\d{0,3}$/.test(text)) {
      throw new InvalidArgumentError(`'${text}' is not a number of sessions (1..9999).`);
    }
    return Number(text);
  })
  .option('--no-auth', 'allow a non-loopback --listen without CHAP (prints a warning)')
  .option('--json', 'print one JSON object per line')
  .action(async (addresses: string[], _o: unknown, cmd: Command) => {
    const { serveCommand } = await import('./serve.js');
    const o = cmd.opts<{
      listen: string;
      iqn: string;
      auth: boolean;
      json?: boolean;
      maxSessions?: number;
      chapUser?: string;
      chapSecretFile?: string;
      mutualChapUser?: string;
      mutualChapSecretFile?: string;
    }>();
    exitCode = await serveCommand(io, addresses, {
      ...o,
      env: process.env,
      listen: o.listen,
      iqn: o.iqn,
      noAuth: !o.auth,
      ...(o.json === true ? { json: true } : {}),
      // The global --trace: one line per command the target answers.
      trace: cmd.optsWithGlobals<{ trace?: boolean }>().trace === true,
    });
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

program
  .command('burn')
  .description('burn a whole disc from an image (IDiscFormat2Data), a CUE sheet or audio files')
  .argument('<recorder>', RECORDER_HELP)
  .argument('[image]', 'the image (e.g. an ISO 9660 file), or - for standard input with --size')
  .option('--cue <file.cue>', 'CD: write a CUE/BIN raw disc-at-once from the lead-in (raw96r)')
  .option('--audio <files...>', 'CD: audio tracks (WAVE or raw CD-DA PCM), track-at-once')
  .option('--dao', 'with --audio: one raw disc-at-once image instead of track-at-once')
  .option('--sao', 'with --cue or --audio --dao: Session-at-Once (cue sheet) instead of raw')
  .option('--cd-text <file.json>', 'with --cue or --audio --dao: CD-TEXT (docs/cd.md)')
  .option('--mcn <digits>', "with --audio: the disc's Media Catalog Number (13 digits)")
  .option('--isrc <codes>', "with --audio: the tracks' ISRCs, comma-separated in order")
  .option(
    '--size <bytes>',
    'image size in bytes (required for -)',
    integerOption(1, Number.MAX_SAFE_INTEGER),
  )
  .option(
    '--verify <level>',
    'none, quick (default) or full read-back verification',
    (v: string) => {
      if (v !== 'none' && v !== 'quick' && v !== 'full') {
        throw new InvalidArgumentError(`'${v}' is not none, quick or full.`);
      }
      return v;
    },
  )
  .option('--finalize', 'close the disc: nothing can be appended afterwards')
  .option('--multisession', 'leave the disc appendable (DVD+R: no compatibility finalize)')
  .option('--speed <x>', 'write speed: max, or a multiple of 1x such as 8x')
  .option('--simulate', 'test write: the drive records nothing (CD-R/RW, DVD-R/RW)')
  .option('--force-overwrite', 'write over a rewritable disc that holds a file system')
  .option(
    '--format-if-needed',
    'format an unformatted BD-RE or DVD-RAM first (a blank DVD+RW is formatted either way)',
  )
  .option('--eject', 'eject the disc after a successful burn')
  .option('--also <recorders...>', 'burn the same image to these recorders too, at the same time')
  .option('--json', 'print one JSON object per update (with its phase), then a result object')
  .option('--force', FORCE_HELP)
  .option('--log <file>', 'keep the whole burn as NDJSON: header, phases, updates, retries, result')
  .option('--report <file.html>', 'write the HTML report (speed and buffer charts) at the end')
  .addHelpText('after', EXCLUSIVE_HELP)
  .action(async (recorder: string, image: string | undefined, _o: unknown, cmd: Command) => {
    const o = cmd.opts<{ also?: string[]; cue?: string; audio?: string[]; dao?: true }>();
    const cd = ['cue', 'audio', 'dao', 'sao', 'cdText', 'mcn', 'isrc'].some(
      (k) => cmd.opts()[k] !== undefined,
    );
    if (image === undefined || cd) {
      const { burnCdCommand } = await import('./burn-cd.js');
      exitCode = await burnCdCommand(io, recorder, image, cmd.opts());
      return;
    }
    if (o.also !== undefined && o.also.length > 0) {
      const { duplicateCommand } = await import('./duplicate.js');
      exitCode = await duplicateCommand(io, [recorder, ...o.also], image, cmd.opts());
      return;
    }
    const { burnCommand } = await import('./burn.js');
    exitCode = await burnCommand(io, recorder, image, cmd.opts());
  });

addDiscToolCommands(program, io, { recorder: RECORDER_HELP, force: FORCE_HELP }, (code) => {
  exitCode = code;
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
