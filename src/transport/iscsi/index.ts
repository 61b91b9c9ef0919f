// The iSCSI transport (RFC 7143 initiator): a Transport over TCP to a target that exports an
// MMC logical unit, plus discovery. See docs/iscsi.md.

export { IscsiTransport } from './session.js';
export { openIscsiTransport } from './open.js';
export {
  defaultInitiatorName,
  type IscsiTransportOptions,
  type IscsiSessionStats,
} from './session-options.js';
export {
  parseIscsiAddress,
  parseIscsiPortal,
  redactIscsiAddress,
  ISCSI_DEFAULT_PORT,
  ENV_PASSWORD,
  ENV_TARGET_PASSWORD,
  type IscsiAddress,
  type IscsiPortal,
  type IscsiCredentials,
  type ParseAddressOptions,
} from './address.js';
export {
  discoverTargets,
  type DiscoveredTarget,
  type DiscoveredPortal,
  type DiscoverOptions,
} from './discovery.js';
export type { SessionParameters, DigestName, OperationalOffer } from './negotiate.js';
