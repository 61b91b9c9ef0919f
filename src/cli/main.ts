#!/usr/bin/env node
// The discwright command (entry point). The only module that touches the TTY or exits.

import { Command } from 'commander';

const program = new Command('discwright')
  .description('Write data to optical disc recorders through MMC (an IMAPI2-style write engine)')
  .version('0.1.0');

program
  .command('demo')
  .description('write a generated image to the built-in virtual drive and show the result')
  .action(() => {
    program.help();
  });

await program.parseAsync(process.argv);
