// Waiting for a target connection's socket to drain (or close) before the next answer is
// produced, so a reader slower than the drive holds at most one answer in memory
// (docs/iscsi.md, "Target").

import type net from 'node:net';

/**
 * Resolves when `socket` drains or closes. Both listeners go once either fires: one left behind
 * per command would pile up on the socket for as long as the session lasts (a long burn).
 */
export function drained(socket: net.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}
