// discwright public API: the recorder, the write engine, errors and types.

export * from './errors.js';
export type {
  Transport,
  TransportLimits,
  ExecuteOptions,
  ScsiCommand,
  ScsiResult,
} from './transport/transport.js';
