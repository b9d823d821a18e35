import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostStep } from '../../shared/compiler/plan';
import { JOURNAL_FILE, Journal, journaledProcesses, pendingUndo, readJournal, unfinishedSteps } from './journal';

let dir: string;

const step = (id: string, undo: string[] | null, inNetns = false): HostStep => ({
  id,
  argv: ['ip', 'link', 'add', id],
  undo,
  needsRoot: true,
  description: `Create ${id}`,
  inNetns,
});

function open(stateDir = join(dir, 'lab')): Journal {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 }); // the engine checks (and makes) the lab directory first
  const r = Journal.open(stateDir, { lab: 'demo', netns: 'qn-demo' });
  if (!r.ok) throw new Error(r.error.message);
  return r.journal;
}

function read(path: string) {
  const r = readJournal(path);
  if (!r.ok) throw new Error(r.error.message);
  return r;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Journal', () => {
  it('creates engine.journal (mode 0600) in the state dir and writes one JSON record per line', () => {
    const j = open();
    expect(j.path).toBe(join(dir, 'lab', JOURNAL_FILE));
    expect(j.beginStep(step('br0', ['ip', 'link', 'del', 'br0']), 'qn-demo').ok).toBe(true);
    expect(j.doneStep('br0').ok).toBe(true);
    j.close();
    expect(statSync(j.path).mode & 0o777).toBe(0o600);
    const lines = readFileSync(j.path, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).t)).toEqual(['lab', 'begin', 'done']);
    expect(JSON.parse(lines[1]!)).toMatchObject({ step: 'br0', undo: ['ip', 'link', 'del', 'br0'], netns: null });
  });

  it('lists only done steps to undo, newest first; a failed step has nothing to undo; an unsettled one is reported', () => {
    const j = open();
    j.beginStep(step('ns', ['ip', 'netns', 'del', 'qn-demo']), 'qn-demo');
    j.doneStep('ns');
    j.beginStep(step('br', ['ip', 'link', 'del', 'br'], true), 'qn-demo');
    j.doneStep('br');
    j.beginStep(step('sysctl', null, true), 'qn-demo');
    j.doneStep('sysctl');
    j.beginStep(step('exists', ['ip', 'link', 'del', 'exists'], true), 'qn-demo');
    j.failedStep('exists'); // "File exists": it made nothing, and what has its name is not the lab's
    j.beginStep(step('tap', ['ip', 'tuntap', 'del', 'tap'], true), 'qn-demo');
    // tap was begun, and the engine died before it knew how it went.
    const pending = pendingUndo(read(j.path).records);
    expect(pending.map((p) => p.step)).toEqual(['br', 'ns']);
    expect(unfinishedSteps(read(j.path).records).map((u) => u.step)).toEqual(['tap']);
    expect(pending[0]).toMatchObject({
      netns: 'qn-demo',
      undo: ['ip', 'link', 'del', 'br'],
      description: 'Create br',
      needsRoot: true,
    });
    expect(pending[1]!.netns).toBeNull();

    j.undoneStep('br');
    expect(pendingUndo(read(j.path).records).map((p) => p.step)).toEqual(['ns']);
    j.close();
  });

  it('a step begun again after an undo (a later launch) is pending again as the newest', () => {
    const j = open();
    j.beginStep(step('a', ['undo-a']), null);
    j.doneStep('a');
    j.beginStep(step('b', ['undo-b']), null);
    j.doneStep('b');
    j.undoneStep('a');
    j.beginStep(step('a', ['undo-a']), null);
    j.doneStep('a');
    expect(pendingUndo(read(j.path).records).map((p) => p.step)).toEqual(['a', 'b']);
    j.close();
  });

  it('a step still pending undo stays pending when a later launch begins it again and that create fails', () => {
    const j = open();
    j.beginStep(step('a', ['undo-a']), null);
    j.doneStep('a');
    j.beginStep(step('a', ['undo-a']), null);
    j.failedStep('a');
    expect(pendingUndo(read(j.path).records).map((p) => p.step)).toEqual(['a']);
    expect(unfinishedSteps(read(j.path).records)).toEqual([]);
    j.close();
  });

  it('tracks processes from spawn to exit, newest first', () => {
    const j = open();
    j.spawning('sw', ['vde_switch', '-s', '/x'], null);
    j.started('sw', 100);
    j.spawning('vm1', ['qemu-system-x86_64'], '/x/vm1.pid');
    j.started('vm1', 101);
    j.spawning('vm2', ['qemu-system-x86_64'], '/x/vm2.pid');
    j.exited('vm1', 101);
    const procs = journaledProcesses(read(j.path).records);
    expect(procs).toEqual([
      { proc: 'vm2', argv: ['qemu-system-x86_64'], pidfile: '/x/vm2.pid', pid: null },
      { proc: 'sw', argv: ['vde_switch', '-s', '/x'], pidfile: null, pid: 100 },
    ]);
    j.close();
  });

  it('appends across runs and survives a torn last line', () => {
    const j1 = open();
    j1.beginStep(step('a', ['undo-a']), null);
    j1.doneStep('a');
    j1.close();
    appendFileSync(j1.path, '{"t":"begin","step":"b"'); // the engine died mid-write
    const j2 = open();
    j2.beginStep(step('c', ['undo-c']), null);
    j2.doneStep('c');
    j2.close();
    const r = read(j1.path);
    expect(r.damaged).toBe(1);
    expect(r.records.filter((x) => x.t === 'lab')).toHaveLength(2);
    expect(pendingUndo(r.records).map((p) => p.step)).toEqual(['c', 'a']);
  });

  it('reads a missing journal as empty; remove() deletes it; writing after close is an error result', () => {
    expect(read(join(dir, 'none', JOURNAL_FILE))).toEqual({ ok: true, records: [], damaged: 0 });
    const j = open();
    expect(j.remove().ok).toBe(true);
    expect(existsSync(j.path)).toBe(false);
    const r = j.doneStep('x');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('JOURNAL_IO');
  });

  it('opening where the directory cannot be made is an error result, not a throw', () => {
    appendFileSync(join(dir, 'file'), 'x');
    const r = Journal.open(join(dir, 'file', 'lab'), { lab: 'demo', netns: null });
    expect(r.ok).toBe(false);
  });

  it("opens and reads only the user's own journal: never a symlink, another user's file, or one others can write", () => {
    const lab = join(dir, 'lab');
    mkdirSync(lab, { mode: 0o700 });
    const path = join(lab, JOURNAL_FILE);
    const target = join(dir, 'elsewhere');
    writeFileSync(target, 'root-only\n', { mode: 0o600 });
    symlinkSync(target, path);
    const opened = Journal.open(lab, { lab: 'demo', netns: null });
    expect(opened.ok).toBe(false);
    if (!opened.ok)
      expect(opened.error.message).toBe(
        `the journal: ${path} is a symlink: refused (a state file is never written through one)`,
      );
    const read = readJournal(path);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.error.message).toBe(`the journal ${path} is not trusted: ${path} is a symlink: refused`);
    expect(readFileSync(target, 'utf8')).toBe('root-only\n');
    rmSync(path);

    writeFileSync(path, '{"t":"lab"}\n', { mode: 0o666 });
    chmodSync(path, 0o666);
    expect(readJournal(path)).toMatchObject({
      ok: false,
      error: { message: `the journal ${path} is not trusted: ${path} is writable by others (mode 0666): refused` },
    });
    if (process.getuid?.() === 0) {
      chmodSync(path, 0o600);
      chownSync(path, 65534, 65534);
      expect(readJournal(path)).toMatchObject({
        ok: false,
        error: { message: `the journal ${path} is not trusted: ${path} belongs to uid 65534, not to root: refused` },
      });
      expect(Journal.open(lab, { lab: 'demo', netns: null }).ok).toBe(false);
    }
  });
});
