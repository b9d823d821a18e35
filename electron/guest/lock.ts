import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { GuestBuildError } from './errors';

/**
 * One build of a cached thing at a time, across processes; a lock left by a dead process is taken over. `what`
 * names the build in the waiting line ("guest", "qemu").
 */
export async function cacheLock(path: string, log: (line: string) => void, what: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + 10 * 60_000;
  let told = false;
  for (;;) {
    // The pid is written before the lock appears (link is atomic), so a reader never sees an empty lock.
    const mine = `${path}.${process.pid}`;
    await writeFile(mine, `${process.pid}\n`);
    try {
      await link(mine, path);
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await rm(mine, { force: true });
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (!alive(pid)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new GuestBuildError(
        'GUEST_LOCKED',
        `another build (pid ${pid}) has held ${path} for 10 minutes`,
        `stop it, or remove ${path}`,
      );
    }
    if (!told) log(`${what}: waiting for the build in process ${pid}`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
