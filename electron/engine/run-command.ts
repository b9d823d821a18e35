/** Running one short command (a host step, its undo) to completion: exit code and output, never a throw. */
import { spawn } from 'node:child_process';

export interface CommandResult {
  readonly ok: boolean;
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv (no shell) with stdin closed; output is kept (bounded to the last 64 KiB each). */
export function runCommand(
  argv: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const keep = (s: string) => (s.length > 65536 ? s.slice(-65536) : s);
    let child;
    try {
      child = spawn(argv[0] ?? '', argv.slice(1), {
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        env: options.env ?? process.env,
      });
    } catch (err) {
      resolve({
        ok: false,
        code: null,
        signal: null,
        stdout: '',
        stderr: `cannot run ${argv[0]}: ${(err as Error).message}`,
      });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    if (options.input !== undefined) {
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input);
    }
    child.stdout?.on('data', (d: Buffer) => (stdout = keep(stdout + d.toString('utf8'))));
    child.stderr?.on('data', (d: Buffer) => (stderr = keep(stderr + d.toString('utf8'))));
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        code: null,
        signal: null,
        stdout,
        stderr: `${stderr}cannot run ${argv[0]}: ${err.message}`,
      });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, code, signal, stdout, stderr });
    });
  });
}
