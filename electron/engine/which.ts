/** Finding programs the way spawn will: on PATH, plus the sbin directories where `ip` and `nft` live. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The PATH the engine spawns with: the caller's, then the sbin directories it lacks. */
function spawnPath(env: NodeJS.ProcessEnv = process.env): string {
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const d of SBIN) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(delimiter);
}

/** `env` with PATH widened by spawnPath. */
export function spawnEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: spawnPath(env) };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The full path of `program` (a name looked up on spawnPath, or a path), or null when it is not installed. */
export function findProgram(program: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (program.includes('/')) return executable(program) ? program : null;
  for (const dir of spawnPath(env).split(delimiter)) {
    const p = join(dir, program);
    if (executable(p)) return p;
  }
  return null;
}
