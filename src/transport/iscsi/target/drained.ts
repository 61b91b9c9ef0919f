// Waiting for a target connection's socket to drain (or close) before the next answer is
// produced, so a reader slower than the drive holds at most one answer in memory
// (docs/iscsi.md, "Target").

import type net from 'node:net';

/** Unsent answers past which the initiator is no longer read. */
const OUTPUT_BOUND = 1024 * 1024;

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

/**
 * Stops reading `socket` while more than `bound` bytes of answers wait to be sent, until they
 * drain: an initiator that does not read its answers (NOP-In echoes, Rejects) is not read
 * either, so what waits for it stays bounded.
 */
export function pauseWhileBacklogged(socket: net.Socket, bound = OUTPUT_BOUND): void {
  if (socket.writableLength <= bound || socket.isPaused()) return;
  socket.pause();
  void drained(socket).then(() => socket.resume());
}
