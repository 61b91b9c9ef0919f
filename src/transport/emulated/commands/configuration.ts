// What the virtual drive can do and what happened to its media: GET CONFIGURATION (the feature
// list of features.ts) and GET EVENT STATUS NOTIFICATION (polled, media class).

import {
  decodeGetConfigurationCdb,
  encodeGetConfigurationData,
  selectFeatures,
} from '../../../scsi/mmc/get-configuration.js';
import {
  decodeGetEventStatusNotificationCdb,
  encodeMediaEventStatus,
  encodeNoEventAvailable,
  NotificationClassMask,
} from '../../../scsi/mmc/get-event-status-notification.js';
import { fail, Sense } from '../check.js';
import { driveFeatures } from '../features.js';
import { cdbOf, upTo, type Handler } from './exchange.js';

export const getConfiguration: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeGetConfigurationCdb);
  if (cdb.rt === 3) fail(Sense.INVALID_FIELD_IN_CDB);
  const loaded = core.tray === 'closed' ? core.disc : undefined;
  const descriptors = selectFeatures(
    driveFeatures(core, loaded),
    cdb.rt,
    cdb.startingFeatureNumber,
  );
  const data = encodeGetConfigurationData({ currentProfile: loaded?.profile ?? 0, descriptors });
  return upTo(data, cdb.allocationLength);
};

const SUPPORTED_EVENT_CLASSES = NotificationClassMask.MEDIA;

export const getEventStatusNotification: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeGetEventStatusNotificationCdb);
  // Asynchronous event reporting is not offered.
  if (!cdb.polled) fail(Sense.INVALID_FIELD_IN_CDB);
  if ((cdb.notificationClassRequest & NotificationClassMask.MEDIA) === 0) {
    return upTo(encodeNoEventAvailable(SUPPORTED_EVENT_CLASSES), cdb.allocationLength);
  }
  const event = core.mediaEvent;
  core.mediaEvent = 0;
  const data = encodeMediaEventStatus(
    {
      mediaEventCode: event,
      mediaPresent: core.tray === 'closed' && core.disc !== undefined,
      doorOrTrayOpen: core.tray === 'open',
      startSlot: 0,
      endSlot: 0,
    },
    SUPPORTED_EVENT_CLASSES,
  );
  return upTo(data, cdb.allocationLength);
};
