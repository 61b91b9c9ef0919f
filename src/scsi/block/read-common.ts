// Shared by the READ(10)/READ(12) request factories. Pure.

import { invalidArgument } from '../../errors.js';

/** Bytes a READ of `transferLength` blocks of `blockSize` bytes returns, checked. */
export function dataInLength(transferLength: number, blockSize: number): number {
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 0x10000) {
    throw invalidArgument(`blockSize must be an integer in 1..65536, got ${String(blockSize)}`);
  }
  const bytes = transferLength * blockSize;
  if (!Number.isSafeInteger(bytes)) {
    throw invalidArgument(`a READ of ${transferLength} x ${blockSize} bytes is too large`);
  }
  return bytes;
}
