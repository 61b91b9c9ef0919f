// Argument checks of the recorder's members (spec §0, §4.3): a value that is not an integer in
// range, or not a boolean, is E_INVALIDARG, and nothing is sent to the device.

import { invalidArgument } from '../errors.js';

/** `timeoutSec` of sendCommand* and the typed helpers: an integer ≥ 1. */
export function checkTimeout(timeoutSec: unknown): number {
  if (typeof timeoutSec !== 'number' || !Number.isInteger(timeoutSec) || timeoutSec < 1) {
    throw invalidArgument('timeoutSec must be an integer ≥ 1');
  }
  return timeoutSec;
}

export function checkInt(v: unknown, min: number, max: number, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidArgument(`${name} must be an integer ${min}..${max}`);
  }
  return v;
}

export function checkBool(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw invalidArgument(`${name} must be a boolean`);
  return v;
}
