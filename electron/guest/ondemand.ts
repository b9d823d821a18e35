/** The engine's on-demand tiny guest build (electron/engine/guest-ondemand.ts), done by buildTinyGuest. */
import type { GuestBuilder } from '../engine/guest-ondemand';
import { isGuestArch } from './arch';
import { buildTinyGuest } from './build';
import { GuestBuildError } from './errors';

/** A GuestBuilder into the user's cache; `assetsDir` where the package's assets/guest is (the desktop app's). */
export function tinyGuestBuilder(assetsDir?: string): GuestBuilder {
  return async (arch, log) => {
    if (!isGuestArch(arch))
      throw new GuestBuildError(
        'GUEST_ARCH_UNSUPPORTED',
        `the tiny guest is built for x86_64 and aarch64, not ${arch}`,
      );
    await buildTinyGuest({ arch, log, ...(assetsDir !== undefined ? { assetsDir } : {}) });
  };
}
