/** A scripted EngineApi for tests of the control socket and the CLI: answers from handlers, emits on demand. */
import {
  fail,
  type EngineApi,
  type EngineEvent,
  type EngineRequest,
  type LabStatus,
  type Result,
} from '../../shared/api';

export interface FakeEngine extends EngineApi {
  /** Every request received, in order. */
  readonly requests: EngineRequest[];
  /** Sends an event to every subscriber. */
  emit(event: EngineEvent): void;
  /** Subscribers now. */
  listeners(): number;
  /** Replaces the answer to a request type. */
  on<T extends EngineRequest['type']>(
    type: T,
    answer: (request: Extract<EngineRequest, { type: T }>) => Result | Promise<Result>,
  ): void;
  dispose(): Promise<void>;
  disposed: boolean;
}

/** A lab status for fakes. */
export function fakeLab(lab: string, stateDir: string, state: LabStatus['state'] = 'running'): LabStatus {
  return {
    lab,
    state,
    stateDir,
    netns: null,
    vms: [
      { vm: 'server', node: 'server', state: { state: 'running', pid: 101 }, consoleSeq: 0 },
      { vm: 'client', node: 'client', state: { state: 'running', pid: 102 }, consoleSeq: 0 },
    ],
  };
}

/** A fake engine answering every request with INTERNAL until told otherwise (list: no labs). */
export function fakeEngine(): FakeEngine {
  const listeners = new Set<(event: EngineEvent) => void>();
  const answers = new Map<string, (request: EngineRequest) => Result | Promise<Result>>();
  answers.set('list', () => ({ ok: true, labs: [] }));
  const engine: FakeEngine = {
    requests: [],
    disposed: false,
    async request(request) {
      engine.requests.push(request);
      const answer = answers.get(request.type);
      return (answer ? await answer(request) : fail('INTERNAL', `fake: no answer for ${request.type}`)) as never;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit(event) {
      for (const l of [...listeners]) l(event);
    },
    listeners: () => listeners.size,
    on(type, answer) {
      answers.set(type, answer as (request: EngineRequest) => Result);
    },
    async dispose() {
      engine.disposed = true;
      listeners.clear();
    },
  };
  return engine;
}
