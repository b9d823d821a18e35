/** Helpers for the engine's tests (not used by the engine): a paused guest, polling with a deadline. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessPlan } from '../../shared/compiler/plan';
import { controlKeyPath } from '../engine/control-socket';

/** argv of a paused x86 guest with a QMP socket and a serial console chardev (with logfile) under `dir`. */
export function pausedGuestArgv(dir: string, opts: { name?: string; hmpOnConsole?: boolean } = {}): string[] {
  const mux = opts.hmpOnConsole ? ',mux=on' : '';
  return [
    'qemu-system-x86_64',
    '-nodefaults',
    '-display',
    'none',
    '-S',
    '-machine',
    'q35',
    '-accel',
    'tcg',
    '-m',
    '64',
    ...(opts.name ? ['-name', opts.name] : []),
    '-qmp',
    `unix:${join(dir, 'q.sock')},server=on,wait=off`,
    '-chardev',
    `socket,id=con0,path=${join(dir, 'c.sock')},server=on,wait=off,logfile=${join(dir, 'c.log')}${mux}`,
    '-serial',
    'chardev:con0',
    // With mux=on, HMP shares the console (Ctrl-A c switches to it): a paused guest that still answers on its serial socket.
    ...(opts.hmpOnConsole ? ['-mon', 'chardev=con0,mode=readline'] : []),
    '-pidfile',
    join(dir, 'vm.pid'),
  ];
}

/** A ProcessPlan for the paused guest. */
export function pausedGuestPlan(dir: string, opts: { name?: string; hmpOnConsole?: boolean } = {}): ProcessPlan {
  return {
    id: 'vm1',
    kind: 'vm',
    node: 'vm1',
    argv: pausedGuestArgv(dir, opts),
    dependsOn: [],
    ready: { type: 'qmp', socket: join(dir, 'q.sock') },
    holdStdin: false,
    pidfile: join(dir, 'vm.pid'),
    stderrLog: join(dir, 'vm1.log'),
  };
}

/** Polls `check` every 10 ms until it holds; throws after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** True when pid runs (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The first line a raw client of a control socket sends: the engine's key (control-socket.ts). */
export function controlAuthLine(socket: string): string {
  return `${JSON.stringify({ auth: readFileSync(controlKeyPath(socket), 'utf8') })}\n`;
}
