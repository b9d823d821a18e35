import { spawnSync } from 'node:child_process';
import { QNET, ROOT } from './serve';

/** Runs the real CLI; returns its exit code and output. */
export function qnet(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [QNET, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `qnet compile FILE --json` with the same state dir as the server the page compiled for. */
export function compileJson(
  file: string,
  stateDir: string,
): {
  vms: { node: string; argv: string[] }[];
  hostSteps: { argv: string[]; undo: string[] | null }[];
  privilege: string;
  diagnostics: { code: string; severity: string }[];
} {
  const r = qnet('compile', file, '--json', '--state-dir', stateDir);
  if (!r.out) throw new Error(`qnet compile failed (${r.code}): ${r.err}`);
  return JSON.parse(r.out);
}
