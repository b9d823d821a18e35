import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPlan } from '../../shared/compiler/plan';
import { emitScripts } from '../../shared/emit/index';

/** A lab exported with emitScripts into a directory: where its scripts are. */
export interface ExportedLab {
  readonly dir: string;
  readonly up: string;
  readonly down: string;
}

/** Export a plan's scripts (up.sh, down.sh, plan.json, …) into dir with their modes; throws on emit errors. */
export function exportLab(plan: LabPlan, dir: string): ExportedLab {
  const r = emitScripts(plan);
  if (!r.ok) throw new Error(`emitScripts refused the plan: ${JSON.stringify(r.errors)}`);
  mkdirSync(dir, { recursive: true });
  for (const f of r.files) {
    const path = join(dir, f.path);
    writeFileSync(path, f.content, { mode: f.mode });
    chmodSync(path, f.mode);
  }
  return { dir, up: join(dir, 'up.sh'), down: join(dir, 'down.sh') };
}

export interface ScriptRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

/**
 * Run an exported script with bash (optionally inside a network namespace the caller made, to stand in for the
 * "host"), stdin closed, stdout and stderr interleaved for messages. Bounded by timeoutMs.
 */
export function runScript(
  script: string,
  args: readonly string[] = [],
  opts: { netns?: string; timeoutMs?: number } = {},
): ScriptRun {
  const argv = opts.netns ? ['ip', 'netns', 'exec', opts.netns, 'bash', script, ...args] : ['bash', script, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: opts.timeoutMs ?? 120_000,
    killSignal: 'SIGKILL',
  });
  return {
    status: r.status,
    signal: r.signal,
    output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`,
  };
}

/** Sockets and FIFOs left under a directory (recursively); [] when the directory is gone. */
export function leftoverSpecialFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isSocket() || st.isFIFO()) out.push(p);
    }
  };
  walk(dir);
  return out;
}
