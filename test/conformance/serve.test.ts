// The transport conformance suite over `discwright serve`'s target: virtual drive → iSCSI
// target → TCP → discwright's own initiator, in-process (the target listens on port 0). Each
// test gets a fresh virtual drive served by a fresh target, so each starts on a blank disc. The
// drive's transfer bound is raised to 16 MiB as `serve` does (docs/iscsi.md, "Target").

import { openIscsiTransport } from '../../src/transport/iscsi/index.js';
import { IscsiTarget } from '../../src/transport/iscsi/target/index.js';
import { MEDIA_IDS, openVirtualDrive } from '../../src/transport/emulated/index.js';
import type { Transport } from '../../src/transport/transport.js';
import { runTransportConformance, type ConformanceMedia } from './transport-suite.js';

const IQN = 'iqn.2026-01.dev.discwright:serve-test';

/** A fresh drive behind a fresh target; closing the transport stops both. */
async function served(media: ConformanceMedia): Promise<Transport> {
  const drive = await openVirtualDrive(`virtual:${media}?maxTransfer=16777216`);
  const target = new IscsiTarget({ luns: [drive], targetName: IQN, port: 0 });
  await target.listen();
  const t = await openIscsiTransport(`iscsi://127.0.0.1:${target.port}/${IQN}/0`);
  const close = t.close.bind(t);
  t.close = async () => {
    try {
      await close();
    } finally {
      await target.close();
      await drive.close();
    }
  };
  return t;
}

for (const media of MEDIA_IDS) {
  runTransportConformance(`serve ${media} over iSCSI`, () => served(media), {
    media,
    nwaEnforcement: true,
    gesn: true,
    readBeforeClose: true,
    ejectLoad: true,
    discStructures: true,
    descriptorSense: true,
  });
}
