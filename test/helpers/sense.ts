// Sense as errors and trace lines carry it (SenseSummary), for tests that hand one in.

import type { SenseSummary } from '../../src/errors.js';

/** 03/0C/09, the drive's buffer underrun; a test adds `deferred` and any `information`. */
export const LOSS_OF_STREAMING: Omit<SenseSummary, 'information' | 'deferred'> = {
  key: 3,
  asc: 0x0c,
  ascq: 0x09,
  keyName: 'MEDIUM ERROR',
  text: 'WRITE ERROR - LOSS OF STREAMING',
};
