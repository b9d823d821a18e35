import { LAUNCH_OPTION_CHECKS } from '../../shared/launchOptions';
import { UsageError } from './usage';

const FLAGS = { isolation: '--isolation', privilege: '--privilege', stateDir: '--state-dir' } as const;

/** A launch option given as a flag, checked by the engine API's own schema (shared/launchOptions.ts). */
export function checkFlag(key: keyof typeof FLAGS, value: string, usage: string): void {
  const problem = LAUNCH_OPTION_CHECKS[key](value);
  if (problem) throw new UsageError(`${FLAGS[key]} ${problem}`, usage);
}
