// The target's answers in the full feature phase's Text exchange (RFC 7143 §11.10-§11.11,
// Appendix C SendTargets): the target's name and portal for `SendTargets=All`, an empty answer
// for another name, NotUnderstood for every other key. Pure.

import { decodeTextPairs, encodeTextPairs } from '../text.js';

/** The Text Response data for a Text Request's `data`. */
export function textAnswer(data: Uint8Array, targetName: string, portal: string): Uint8Array {
  const replies: [string, string][] = [];
  for (const [key, value] of decodeTextPairs(data)) {
    if (key === 'SendTargets') {
      if (value === 'All' || value === '' || value === targetName) {
        replies.push(['TargetName', targetName]);
        replies.push(['TargetAddress', `${portal},1`]);
      }
    } else replies.push([key, 'NotUnderstood']);
  }
  return encodeTextPairs(replies);
}
