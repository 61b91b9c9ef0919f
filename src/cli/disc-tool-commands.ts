// The disc tools of the `discwright` command line: msinfo, blank, format, close, verify
// (docs/burning.md). Their modules are loaded when the command runs, as in main.ts.

import { InvalidArgumentError, type Command } from 'commander';
import { MAX_INT32, MIN_INT32, integerOption } from './args.js';
import type { CliIo } from './io.js';

/** Adds the disc-tool commands to `program`; each reports its exit status through `setExit`. */
export function addDiscToolCommands(
  program: Command,
  io: CliIo,
  help: { recorder: string; force: string },
  setExit: (code: number) => void,
): void {
  const RECORDER_HELP = help.recorder;
  const FORCE_HELP = help.force;
  program
    .command('msinfo')
    .description('print lastSessionStart,nextWritable of an appendable disc (cdrecord -msinfo)')
    .argument('<recorder>', RECORDER_HELP)
    .option('--json', 'print the addresses as JSON')
    .action(async (recorder: string, _o: unknown, cmd: Command) => {
      const { msinfoCommand } = await import('./disc-tools.js');
      setExit(await msinfoCommand(io, recorder, cmd.opts()));
    });

  program
    .command('blank')
    .description('erase a CD-RW or DVD-RW (minimal, or --full) (IDiscFormat2Erase)')
    .argument('<recorder>', RECORDER_HELP)
    .option('--full', 'blank the whole disc instead of the minimal blank')
    .option('--json', 'print one JSON object per update, then a result object')
    .option('--force', FORCE_HELP)
    .action(async (recorder: string, _o: unknown, cmd: Command) => {
      const { blankCommand } = await import('./disc-tools.js');
      setExit(await blankCommand(io, recorder, cmd.opts()));
    });

  program
    .command('format')
    .description('format DVD+RW, DVD-RW, DVD-RAM, BD-RE (FORMAT UNIT from READ FORMAT CAPACITIES)')
    .argument('<recorder>', RECORDER_HELP)
    .option('--quick', 'the quick format (default)')
    .option('--full', 'a full format')
    .option('--spare <areas>', 'DVD-RAM/BD-RE spare areas: default, none or max', (v: string) => {
      if (v !== 'default' && v !== 'none' && v !== 'max') {
        throw new InvalidArgumentError(`'${v}' is not default, none or max.`);
      }
      return v;
    })
    .option('--json', 'print a result object')
    .option('--force', FORCE_HELP)
    .action(async (recorder: string, _o: unknown, cmd: Command) => {
      const o = cmd.opts<{ quick?: boolean; full?: boolean }>();
      if (o.quick === true && o.full === true) {
        throw new InvalidArgumentError('--quick and --full exclude each other.');
      }
      const { formatCommand } = await import('./disc-tools.js');
      setExit(await formatCommand(io, recorder, cmd.opts()));
    });

  program
    .command('close')
    .description('close what an earlier write left open: the track, the session, or the disc')
    .argument('<recorder>', RECORDER_HELP)
    .option('--track', 'close the open track only')
    .option('--session', 'close the track and the session (default)')
    .option('--finalize', 'close the disc: nothing can be appended afterwards')
    .option('--json', 'print a result object')
    .option('--force', FORCE_HELP)
    .action(async (recorder: string, _o: unknown, cmd: Command) => {
      const o = cmd.opts<{ track?: boolean; session?: boolean; finalize?: boolean }>();
      if ([o.track, o.session, o.finalize].filter((x) => x === true).length > 1) {
        throw new InvalidArgumentError('--track, --session and --finalize exclude each other.');
      }
      const { closeCommand } = await import('./disc-tools.js');
      setExit(await closeCommand(io, recorder, cmd.opts()));
    });

  program
    .command('verify')
    .description('compare an image with the disc, block by block')
    .argument('<recorder>', RECORDER_HELP)
    .argument('<image>', 'the image burned to the disc')
    .option(
      '--lba <n>',
      'where the image starts on the disc (default 0)',
      integerOption(MIN_INT32, MAX_INT32),
    )
    .option('--json', 'print a result object')
    .action(async (recorder: string, image: string, _o: unknown, cmd: Command) => {
      const { verifyCommand } = await import('./disc-tools.js');
      setExit(await verifyCommand(io, recorder, image, cmd.opts()));
    });
}
