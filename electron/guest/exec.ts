import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { GuestBuildError } from './errors';

/** The Debian package that provides each tool the build runs. */
const TOOL_PACKAGES: Record<string, string> = {
  'apt-get': 'apt',
  'apt-cache': 'apt',
  'dpkg-deb': 'dpkg',
  'dpkg-query': 'dpkg',
  dpkg: 'dpkg',
  cpio: 'cpio',
  xz: 'xz-utils',
  zstd: 'zstd',
};

export interface RunOptions {
  readonly cwd?: string;
  readonly input?: Uint8Array | string;
  /** What this step is, for the error message ("download the kernel package"). */
  readonly what: string;
}

/** Runs a command to completion and returns its stdout; any failure becomes a GuestBuildError naming the step. */
export function run(argv: readonly string[], options: RunOptions): Promise<Buffer> {
  const [command, ...args] = argv;
  if (!command) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        const pkg = TOOL_PACKAGES[command];
        reject(
          new GuestBuildError(
            'GUEST_TOOL_MISSING',
            `cannot ${options.what}: ${command} is not installed`,
            pkg ? `install the ${pkg} package (sudo apt-get install ${pkg})` : undefined,
          ),
        );
      } else
        reject(new GuestBuildError('GUEST_COMMAND_FAILED', `cannot ${options.what}: ${command}: ${error.message}`));
    });
    child.stdin.on('error', () => {}); // a command that exits without reading its input is reported by its status
    child.stdin.end(options.input ?? '');
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out));
      const tail = Buffer.concat(err).toString().trim().split('\n').slice(-6).join('\n    ');
      const status = signal ? `killed by ${signal}` : `exit status ${code}`;
      reject(
        new GuestBuildError(
          'GUEST_COMMAND_FAILED',
          `cannot ${options.what}: \`${argv.join(' ')}\` failed (${status})${tail ? `:\n    ${tail}` : ''}`,
        ),
      );
    });
  });
}

/** Fails before any download when a tool the build runs is not on PATH, naming the package to install. */
export function requireTools(tools: readonly string[], path: string = process.env.PATH ?? ''): void {
  const onPath = (tool: string) =>
    path.split(delimiter).some((dir) => {
      try {
        accessSync(join(dir, tool), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((tool) => TOOL_PACKAGES[tool] ?? tool))];
  throw new GuestBuildError(
    'GUEST_TOOL_MISSING',
    `building the tiny guest needs ${missing.join(', ')}, not found on PATH`,
    `install ${packages.join(' ')} (sudo apt-get install ${packages.join(' ')}); the build itself needs no root`,
  );
}
