/**
 * The one schema of LaunchOptions (shared/api.ts): what the engine API accepts from any client, and what the CLI's
 * --privilege, --isolation and --state-dir flags accept. Each problem is a sentence the caller prefixes with the
 * field's name as the user wrote it (`options.privilege`, `--privilege`).
 */
import type { LaunchOptions } from './api';

/** The privilege modes a lab can run with. */
const PRIVILEGES = ['root', 'helper', 'user'] as const;
/** Where a lab's bridges, taps and guests live. */
export const ISOLATIONS = ['host', 'netns', 'userns'] as const;

const got = (v: unknown) =>
  `(got ${typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v) ?? typeof v)})`;
const oneOf = (values: readonly string[]) => (v: unknown) =>
  typeof v === 'string' && values.includes(v)
    ? null
    : `must be ${values.slice(0, -1).join(', ')} or ${values[values.length - 1]} ${got(v)}`;

const absolutePath = (v: unknown) =>
  typeof v === 'string' && v.startsWith('/') && !v.includes('\0') && v.length <= 4096
    ? null
    : `must be an absolute path ${got(v)}`;

/** Each option's check: null when the value is fine, else what is wrong. */
export const LAUNCH_OPTION_CHECKS: Readonly<Record<keyof LaunchOptions, (value: unknown) => string | null>> = {
  isolation: oneOf(ISOLATIONS),
  privilege: oneOf(PRIVILEGES),
  stateDir: absolutePath,
  qemu: absolutePath,
  trust: (v) =>
    typeof v === 'string' && /^sha256:[0-9a-f]{64}$/.test(v)
      ? null
      : 'must be the digest an UNTRUSTED error gave (sha256:…)',
};

const KEYS = Object.keys(LAUNCH_OPTION_CHECKS) as (keyof LaunchOptions)[];

/** Checks launch options from a client: the options, or the first problem as `options.KEY …`. */
export function parseLaunchOptions(
  value: unknown,
): { readonly ok: true; readonly options: LaunchOptions } | { readonly ok: false; readonly message: string } {
  if (value === undefined) return { ok: true, options: {} };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, message: 'options must be an object' };
  for (const [key, v] of Object.entries(value)) {
    if (!(KEYS as string[]).includes(key))
      return { ok: false, message: `options.${key} is not a launch option (${KEYS.join(', ')})` };
    if (v === undefined) continue;
    const problem = LAUNCH_OPTION_CHECKS[key as keyof LaunchOptions](v);
    if (problem) return { ok: false, message: `options.${key} ${problem}` };
  }
  return { ok: true, options: value as LaunchOptions };
}
