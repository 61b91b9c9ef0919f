// Feature pages and profiles (spec §4.6): GET CONFIGURATION read header first and then whole,
// one descriptor with the feature header removed, every feature code, the profile list, the
// current profile, and whether the drive has a tray it can close.

import { DwError, HR } from '../errors.js';
import { ByteReader } from '../scsi/bytes.js';
import {
  FEATURE_HEADER_LENGTH,
  GetConfigurationRt,
  decodeGetConfigurationData,
  type GetConfigurationData,
} from '../scsi/mmc/get-configuration.js';
import type { FeatureDescriptor } from '../scsi/mmc/features/feature-descriptor.js';
import { FeaturePageType } from '../scsi/mmc/features/feature-codes.js';
import { decodeProfileListFeature } from '../scsi/mmc/features/profile-list.js';
import {
  LoadingMechanismType,
  decodeRemovableMediumFeature,
} from '../scsi/mmc/features/removable-medium.js';
import { checkBool, checkInt } from './arguments.js';
import type { CommandRunner } from './command-runner.js';
import * as cmd from './commands.js';

/** Largest GET CONFIGURATION reply asked for: the 16-bit allocation length, 8-byte aligned. */
const GET_CONFIGURATION_MAX = 0xfff8;

const hex4 = (code: number) => `0x${code.toString(16).padStart(4, '0')}`;

/** GET CONFIGURATION with RT and a starting feature, header first then the whole reply. */
function getConfiguration(
  runner: CommandRunner,
  rt: number,
  startingFeatureNumber: number,
): Promise<Uint8Array> {
  return runner.readFull(
    (allocationLength) => cmd.getConfiguration({ rt, startingFeatureNumber, allocationLength }),
    FEATURE_HEADER_LENGTH,
    (r) => r.u32(0) + 4, // DATA LENGTH
    GET_CONFIGURATION_MAX,
  );
}

function decodeConfiguration(runner: CommandRunner, reply: Uint8Array): GetConfigurationData {
  return runner.decode(cmd.getConfiguration({ allocationLength: reply.length }), () =>
    decodeGetConfigurationData(reply),
  );
}

/** IDiscRecorder2Ex::GetFeaturePage: one descriptor, feature header removed. */
export async function getFeaturePage(
  runner: CommandRunner,
  feature: number,
  currentOnly: boolean,
): Promise<Uint8Array> {
  checkInt(feature, 0, 0xffff, 'feature');
  checkBool(currentOnly, 'currentOnly');
  const reply = await getConfiguration(runner, GetConfigurationRt.ONE, feature);
  const first = decodeConfiguration(runner, reply).descriptors[0];
  if (first === undefined || first.featureCode !== feature) {
    throw new DwError(HR.E_IMAPI_RECORDER_NO_SUCH_FEATURE, {
      message: `the drive does not report feature ${hex4(feature)}`,
    });
  }
  // The descriptor as the drive sent it: code, version/persistent/current, length, data.
  const desc = reply.slice(
    FEATURE_HEADER_LENGTH,
    FEATURE_HEADER_LENGTH + 4 + first.additionalLength,
  );
  if (currentOnly && ((desc[2] ?? 0) & 0x01) === 0) {
    // byte 2 bit 0 Current
    throw new DwError(HR.E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT, {
      message: `feature ${hex4(feature)} is not current for the loaded medium`,
    });
  }
  return desc;
}

/** Every feature descriptor the drive reports (RT = 00b), following replies past 64 KiB. */
async function allFeatureDescriptors(runner: CommandRunner): Promise<FeatureDescriptor[]> {
  const out: FeatureDescriptor[] = [];
  let start = 0;
  for (;;) {
    const reply = await getConfiguration(runner, GetConfigurationRt.ALL, start);
    const decoded = decodeConfiguration(runner, reply);
    out.push(...decoded.descriptors);
    const last = decoded.descriptors.at(-1)?.featureCode;
    // A reply cut by the 16-bit allocation length continues after the last whole descriptor.
    if (!decoded.truncated || last === undefined || last >= 0xffff || last < start) return out;
    start = last + 1;
  }
}

/** IDiscRecorder2::SupportedFeaturePages / CurrentFeaturePages. */
export async function getSupportedFeaturePages(
  runner: CommandRunner,
  currentOnly: boolean,
): Promise<number[]> {
  checkBool(currentOnly, 'currentOnly');
  const descs = await allFeatureDescriptors(runner);
  return descs.filter((d) => !currentOnly || d.current).map((d) => d.featureCode);
}

/** IDiscRecorder2::SupportedProfiles / CurrentProfiles: from the Profile List (feature 0). */
export async function getSupportedProfiles(
  runner: CommandRunner,
  currentOnly: boolean,
): Promise<number[]> {
  checkBool(currentOnly, 'currentOnly');
  const desc = await getFeaturePage(runner, FeaturePageType.PROFILE_LIST, false);
  // Whole 4-byte profile descriptors only.
  const end = 4 + (desc.length - 4 - ((desc.length - 4) % 4));
  const list = runner.decode(cmd.getConfiguration({ allocationLength: 0 }), () =>
    decodeProfileListFeature(desc.subarray(4, end)),
  );
  return list.profiles.filter((p) => !currentOnly || p.currentP).map((p) => p.profileNumber);
}

/** The current profile from the feature header (0 when none is loaded). */
export async function getCurrentProfile(runner: CommandRunner): Promise<number> {
  const command = cmd.getConfiguration({
    rt: GetConfigurationRt.CURRENT,
    startingFeatureNumber: 0,
    allocationLength: FEATURE_HEADER_LENGTH,
  });
  const reply = await runner.run(command);
  return runner.decode(command, () => new ByteReader(reply.dataIn).u16(6)); // CURRENT PROFILE
}

/** Removable Medium (0003h) reports a tray loading mechanism; false when it cannot be read. */
export async function hasTrayLoader(runner: CommandRunner): Promise<boolean> {
  try {
    const desc = await getFeaturePage(runner, FeaturePageType.REMOVABLE_MEDIUM, false);
    const f = decodeRemovableMediumFeature(desc.subarray(4));
    return f.loadingMechanismType === LoadingMechanismType.TRAY;
  } catch {
    return false;
  }
}
