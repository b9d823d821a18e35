// Builds the tiny guest without the CLI bundle: node scripts/guest-build.mjs [--arch x86_64|aarch64] [--force]
// (the same as `qnet guest build …`; runs the TypeScript sources through tsx).
import { register } from 'tsx/esm/api';

register();
const { guestCommand } = await import('../electron/cli/cmd-guest.ts');
const { processIo } = await import('../electron/cli/usage.ts');
const { CliError, UsageError } = await import('../electron/cli/usage.ts');
try {
  process.exitCode = await guestCommand(['build', ...process.argv.slice(2)], processIo);
} catch (error) {
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${error.usage}\n`);
  else if (error instanceof CliError) process.stderr.write(`${error.message}\n`);
  else throw error;
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
