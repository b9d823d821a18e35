import { existsSync } from 'node:fs';
import { buildTinyGuest } from '../electron/guest/build';
import { tinyGuestPaths } from '../electron/engine/host-paths';

/** The lab specs boot the real tiny guest: build it once when the cache has none (no root needed). */
export default async function globalSetup(): Promise<void> {
  const { kernel, initrd } = tinyGuestPaths('x86_64');
  if (existsSync(kernel) && existsSync(initrd)) return;
  await buildTinyGuest({ arch: 'x86_64', log: (line) => console.log(`tiny guest: ${line}`) });
}
