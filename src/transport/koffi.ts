// Lazy loading of koffi, the optional FFI library local-drive transports call the OS through
// (ioctl on Linux, DeviceIoControl on Windows). discwright works without it: only opening a local
// drive then fails, with a message that says what to install.

import type * as KoffiModule from 'koffi';
import { DwError, HR } from '../errors.js';

export type Koffi = typeof KoffiModule;

let loading: Promise<Koffi> | undefined;

/** Import koffi once; rejects with E_NOTIMPL when it is not installed or has no binary here. */
export function loadKoffi(): Promise<Koffi> {
  loading ??= import('koffi').then(
    (m) => {
      // The ESM build also carries a default export that the typings do not declare.
      const withDefault = m as unknown as { default?: Koffi };
      return withDefault.default ?? m;
    },
    (e: unknown) => {
      loading = undefined;
      throw new DwError(HR.E_NOTIMPL, {
        message: `local drives need the optional package koffi, which could not be loaded: ${String(e)}`,
        hint: 'Install it next to discwright (npm install koffi); it ships prebuilt binaries.',
        cause: e,
      });
    },
  );
  return loading;
}
