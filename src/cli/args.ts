// Strict argument parsing for the discwright command. Every value is checked before a recorder is
// opened, so a usage error never sends anything to a device. Parsers throw commander's
// InvalidArgumentError (reported by commander with the option's name); cross-checks throw
// invalidArgument() (E_INVALIDARG without sense, which exit-codes.ts maps to exit status 2).

import { InvalidArgumentError, type Command } from 'commander';

import { MAX_INT32, MIN_INT32 } from '../scsi/bytes.js';

export { MAX_INT32, MIN_INT32 };

/** A decimal integer in [min, max]; no hex, no exponent, no fraction, no trailing text. */
export function parseInteger(text: string, min: number, max: number): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new InvalidArgumentError(`'${text}' is not an integer.`);
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`${t} is outside ${min}..${max}.`);
  }
  return n;
}

/** A commander argParser for an integer option in [min, max]. */
export function integerOption(min: number, max: number): (text: string) => number {
  return (text: string) => parseInteger(text, min, max);
}

/** Speed hint in sectors per second: -1 (maximum) or 1..2147483647. */
export function parseSpeedHint(text: string): number {
  const n = parseInteger(text, -1, MAX_INT32);
  if (n === 0) throw new InvalidArgumentError('0 is not a speed; use -1 for "maximum".');
  return n;
}

export const HOST_BUFFER_MIN = 131_072;
export const HOST_BUFFER_MAX = 1_073_741_824;

/** Host buffer size in bytes: a multiple of 4096 in 131072..1073741824 (k/M suffixes allowed). */
export function parseBufferSize(text: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(text.trim());
  if (m === null)
    throw new InvalidArgumentError(`'${text}' is not a byte count (e.g. 8M, 524288).`);
  const unit = m[2] === '' ? 1 : m[2]?.toLowerCase() === 'k' ? 1024 : 1024 * 1024;
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n < HOST_BUFFER_MIN || n > HOST_BUFFER_MAX || n % 4096 !== 0) {
    throw new InvalidArgumentError(
      `${text} must be a multiple of 4096 bytes from ${HOST_BUFFER_MIN} to ${HOST_BUFFER_MAX}.`,
    );
  }
  return n;
}

/** Bytes per WRITE (WriteEngine.maxTransferSize): 512..16777216, k/M suffixes allowed. */
export function parseTransferSize(text: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(text.trim());
  if (m === null) throw new InvalidArgumentError(`'${text}' is not a byte count (e.g. 256k).`);
  const unit = m[2] === '' ? 1 : m[2]?.toLowerCase() === 'k' ? 1024 : 1024 * 1024;
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n < 512 || n > 16_777_216) {
    throw new InvalidArgumentError(`${text} must be from 512 bytes to 16M.`);
  }
  return n;
}

/** Size in MiB for the demo image. */
export function parseMiB(text: string): number {
  return parseInteger(text, 1, 4096);
}

/**
 * Makes every option of `command` and its subcommands that takes a value an error when given more
 * than once (`--lba 0 --lba 5`), instead of the last one silently winning. Flags without a value
 * (`--json`) are left alone. Call once, after all commands are defined; the error is commander's
 * invalid-argument error naming the option (a usage error: nothing is sent).
 */
export function rejectRepeatedOptions(command: Command): void {
  for (const option of command.options) {
    if (!option.required && !option.optional) continue;
    // A variadic option takes its values one by one: it is given once with several values.
    if (option.variadic) continue;
    const parse = option.parseArg as ((value: string, previous: unknown) => unknown) | undefined;
    let given = false;
    option.argParser((value: string, previous: unknown): unknown => {
      if (given) {
        throw new InvalidArgumentError(
          `${option.long ?? option.short ?? option.flags} is given more than once; give it once.`,
        );
      }
      given = true;
      return parse === undefined ? value : parse(value, previous);
    });
  }
  for (const sub of command.commands) rejectRepeatedOptions(sub);
}
