/**
 * Where `qnet export` writes: the directory made one level at a time (a recursive mkdir loops forever on procfs),
 * each existing level a directory, and each file written in place only when it is a regular file: never through
 * a symbolic link someone planted there, never into a FIFO or a device.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CliError } from './usage';

const reason = (error: unknown) => {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code} (${e.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')})` : String(e.message);
};

/** Makes `dir` and its missing parents (mode 0755), or throws a CliError naming the level that failed. */
export async function prepareExportDir(dir: string): Promise<string> {
  const target = resolve(dir);
  const levels: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    levels.unshift(p);
    if (dirname(p) === p) break;
  }
  let missing = false;
  for (const level of levels) {
    if (!missing) {
      try {
        // A symbolic link the user's own path goes through is followed; what it leads to must be a directory.
        const st = (await lstat(level)).isSymbolicLink() ? await stat(level) : await lstat(level);
        if (!st.isDirectory()) throw new CliError(`qnet: cannot export to ${target}: ${level} is not a directory`);
        continue;
      } catch (error) {
        if (error instanceof CliError) throw error;
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new CliError(`qnet: cannot export to ${target}: ${level}: ${reason(error)}`);
        missing = true;
      }
    }
    try {
      await mkdir(level, { mode: 0o755 });
    } catch (error) {
      throw new CliError(`qnet: cannot create ${level}: ${reason(error)}`);
    }
  }
  return target;
}

/** Writes `content` to `path` with `mode`: created, or replaced only when it is a regular file. */
export async function writeExportFile(path: string, content: string, mode: number): Promise<void> {
  let handle;
  try {
    handle = await open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
      mode,
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      throw new CliError(`qnet: ${path} is a symbolic link: not writing through it (remove it first)`);
    if (code === 'ENXIO') throw new CliError(`qnet: ${path} is not a regular file (a FIFO): remove it first`);
    throw new CliError(`qnet: cannot write ${path}: ${reason(error)}`);
  }
  try {
    if (!(await handle.stat()).isFile()) throw new CliError(`qnet: ${path} is not a regular file: remove it first`);
    await handle.truncate(0);
    await handle.writeFile(content);
    await handle.chmod(mode);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`qnet: cannot write ${path}: ${reason(error)}`);
  } finally {
    await handle.close();
  }
}
