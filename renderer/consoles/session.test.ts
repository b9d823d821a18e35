import { describe, expect, it } from 'vitest';
import type { EngineApi, EngineEvent, EngineRequest, ResponseOf } from '../../shared/api';
import { ConsoleSession } from './session';

/** A fake engine: answers from `answer`, records requests, pushes events by hand. */
function fakeEngine(answer: (r: EngineRequest) => unknown) {
  const listeners = new Set<(e: EngineEvent) => void>();
  const requests: EngineRequest[] = [];
  let hold: ((go: () => void) => void) | null = null;
  const engine: EngineApi = {
    request<R extends EngineRequest>(r: R): Promise<ResponseOf<R>> {
      requests.push(r);
      return new Promise((resolve) => {
        const go = () => resolve(answer(r) as ResponseOf<R>);
        if (hold && r.type === 'consoleSubscribe') hold(go);
        else go();
      });
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return {
    engine,
    requests,
    listeners,
    emit: (e: EngineEvent) => [...listeners].forEach((l) => l(e)),
    holdSubscribe: (h: (go: () => void) => void) => (hold = h),
  };
}

const chunk = (seq: number, data: string, vm = 'server'): EngineEvent => ({
  type: 'console',
  lab: 'lab',
  vm,
  seq,
  end: seq + new TextEncoder().encode(data).length,
  data,
});

function sink() {
  const out: string[] = [];
  const notices: string[] = [];
  return { out, notices, sink: { write: (d: string) => out.push(d), notice: (t: string) => notices.push(t) } };
}

const ok = (r: EngineRequest) =>
  r.type === 'consoleSubscribe'
    ? { ok: true, subscription: 'sub-1', seq: 0, end: 18, backlog: 'boot\r\nQNET-READY\r\n', truncated: false }
    : { ok: true };

describe('ConsoleSession', () => {
  it('subscribes from 0, writes the backlog, then live chunks once each', async () => {
    const f = fakeEngine(ok);
    const s = sink();
    const session = new ConsoleSession(f.engine, 'lab', 'server', s.sink);
    expect(await session.open()).toBe(true);
    expect(f.requests[0]).toEqual({ type: 'consoleSubscribe', lab: 'lab', vm: 'server', fromSeq: 0 });
    f.emit(chunk(18, '/ # '));
    f.emit(chunk(22, 'x', 'client')); // another guest
    f.emit({ ...chunk(22, 'y'), lab: 'other' }); // another lab
    expect(s.out.join('')).toBe('boot\r\nQNET-READY\r\n/ # ');
    expect(session.position).toBe(22);
  });

  it('keeps events that arrive before the answer and drops what the backlog already had', async () => {
    const f = fakeEngine(ok);
    let go = () => {};
    f.holdSubscribe((g) => (go = g));
    const s = sink();
    const session = new ConsoleSession(f.engine, 'lab', 'server', s.sink);
    const opened = session.open();
    await Promise.resolve();
    f.emit(chunk(6, 'QNET-READY\r\n')); // inside the backlog
    f.emit(chunk(18, '/ # ')); // after it
    go();
    await opened;
    expect(s.out.join('')).toBe('boot\r\nQNET-READY\r\n/ # ');
  });

  it('continues from a position, notes dropped scrollback, forwards input, unsubscribes on close', async () => {
    const f = fakeEngine((r) =>
      r.type === 'consoleSubscribe'
        ? { ok: true, subscription: 'sub-9', seq: 100, end: 104, backlog: 'tail', truncated: true }
        : { ok: true },
    );
    const s = sink();
    const session = new ConsoleSession(f.engine, 'lab', 'server', s.sink, 50);
    await session.open();
    expect(f.requests[0]).toMatchObject({ fromSeq: 50 });
    expect(s.notices).toHaveLength(1);
    await session.input('ls\r');
    expect(f.requests[1]).toEqual({ type: 'consoleInput', lab: 'lab', vm: 'server', data: 'ls\r' });
    session.close();
    expect(f.requests[2]).toEqual({ type: 'consoleUnsubscribe', subscription: 'sub-9' });
    expect(f.listeners.size).toBe(0);
    f.emit(chunk(104, 'more'));
    expect(s.out).toEqual(['tail']);
  });

  it('says why when the engine refuses, and unsubscribes when closed before the answer', async () => {
    const refused = fakeEngine(() => ({ ok: false, error: { code: 'LAB_NOT_FOUND', message: 'no lab lab' } }));
    const s = sink();
    expect(await new ConsoleSession(refused.engine, 'lab', 'server', s.sink).open()).toBe(false);
    expect(s.notices[0]).toContain('no lab lab');
    expect(refused.listeners.size).toBe(0);

    const f = fakeEngine(ok);
    let go = () => {};
    f.holdSubscribe((g) => (go = g));
    const late = new ConsoleSession(f.engine, 'lab', 'server', sink().sink);
    const opened = late.open();
    late.close();
    go();
    expect(await opened).toBe(false);
    await Promise.resolve();
    expect(f.requests.at(-1)).toEqual({ type: 'consoleUnsubscribe', subscription: 'sub-1' });
  });
});
