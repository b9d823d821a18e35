import { runCli } from './main';

// EPIPE (e.g. `qnet compile x | head`) is not an error worth a trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
