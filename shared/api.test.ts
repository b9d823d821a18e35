import { describe, expect, expectTypeOf, it } from 'vitest';
import { fail, type EngineApi, type EngineEvent, type EngineRequest, type ResponseOf } from './api';

describe('api contract', () => {
  it('fail() builds a failed result, with diagnostics only when given', () => {
    expect(fail('LAB_NOT_FOUND', 'No lab named demo is running.')).toEqual({
      ok: false,
      error: { code: 'LAB_NOT_FOUND', message: 'No lab named demo is running.' },
    });
    const r = fail('PREFLIGHT_FAILED', 'Preflight found 1 problem.', []);
    expect(r.error.diagnostics).toEqual([]);
  });

  it('requests and events are plain JSON data (transports carry them unchanged)', () => {
    const reqs: EngineRequest[] = [
      { type: 'launch', source: { kind: 'yaml', text: 'version: 1\n' }, options: { isolation: 'netns' } },
      { type: 'consoleSubscribe', lab: 'demo', vm: 'vm1', fromSeq: 0 },
      { type: 'consoleInput', lab: 'demo', vm: 'vm1', data: 'ping -c 1 10.0.0.2\r' },
    ];
    const events: EngineEvent[] = [
      {
        type: 'vmState',
        lab: 'demo',
        vm: 'vm1',
        state: { state: 'crashed', exit: { code: null, signal: 'SIGKILL' }, stderrTail: '' },
      },
      { type: 'console', lab: 'demo', vm: 'vm1', seq: 0, end: 5, data: 'hello' },
      { type: 'step', lab: 'demo', index: 0, total: 2, description: 'Create bridge qnb1', status: 'done' },
      { type: 'log', lab: null, level: 'info', topic: 'lab', message: 'ready', time: 1 },
    ];
    expect(JSON.parse(JSON.stringify([reqs, events]))).toEqual([reqs, events]);
  });

  it('each request type maps to its own result type', () => {
    type Launch = ResponseOf<{ type: 'launch'; source: { kind: 'yaml'; text: string } }>;
    expectTypeOf<Extract<Launch, { ok: true }>['lab']>().toEqualTypeOf<string>();
    type Read = Extract<ResponseOf<{ type: 'consoleRead'; lab: string; vm: string; fromSeq: number }>, { ok: true }>;
    expectTypeOf<Read['truncated']>().toEqualTypeOf<boolean>();
    expectTypeOf<ReturnType<EngineApi['subscribe']>>().toEqualTypeOf<() => void>();
  });
});
