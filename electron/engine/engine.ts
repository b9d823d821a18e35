/**
 * The engine behind shared/api.ts: many labs at once, keyed by lab name. Each request compiles its LabSource with
 * the target of this machine (probeHost, assembleTarget), then drives that lab's LabRunner; every lab's events go to every
 * subscriber. Requests resolve with a Result and never reject.
 */
import type {
  ApiError,
  EngineApi,
  EngineEvent,
  EngineRequest,
  LabSource,
  LaunchOptions,
  ResponseOf,
} from '../../shared/api';
import { compile } from '../../shared/compiler/index';
import type { LabPlan } from '../../shared/compiler/plan';
import type { Diagnostic } from '../../shared/diagnostics';
import { assembleTarget, targetNotes, type ChosenQemu, type Target } from '../../shared/compiler/target';
import { machinePairs } from '../../shared/compiler/machine';
import { parseLaunchOptions } from '../../shared/launchOptions';
import {
  formatModelError,
  loadDocument,
  loadTopology,
  type LocatedDiagnostic,
  type Topology,
} from '../../shared/model';
import { buildMissingGuests, type GuestBuilder } from './guest-ondemand';
import type { KvmProbe } from './kvm';
import { LabRunner, type LabRunnerOptions } from './lab';
import type { PreflightEnv } from './preflight';
import { defaultStateDir } from './host-paths';
import { checkPrivateDir, ensurePrivateDir } from './state-dir';
import { probeHost } from './host-probe';
import { QemuChoiceError, readQemuChoice } from './qemu-choice';
import { checkTrust, defaultTrustFile, fileTrustStore, type TrustStore } from './trust';

export interface EngineOptions {
  /** Defaults of every launch (a request's LaunchOptions override them). */
  readonly defaults?: LaunchOptions;
  /** Base state directory (shorthand for defaults.stateDir). */
  readonly stateDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  /** The tiny guest per arch (default: the user's cache, filled by `qnet guest build`). */
  readonly tinyGuest?: Target['tinyGuest'];
  /** KVM's answer, instead of probing it (once per process) with a test boot (`qnet serve --accel` gives one). */
  readonly kvm?: KvmProbe;
  readonly preflightEnv?: Omit<PreflightEnv, 'env' | 'uid' | 'kvm'>;
  readonly runner?: Pick<LabRunnerOptions, 'consoleBufferBytes' | 'stopTimeouts' | 'readyTimeoutMs' | 'logLines'>;
  /** Builds a missing tiny guest before a launch that needs it (guest-ondemand.ts); without it preflight says how. */
  readonly buildGuest?: GuestBuilder;
  /** The user's remembered approvals of topologies that run host programs (default: their config directory). */
  readonly trust?: TrustStore;
  /**
   * The QEMU the user chose (`--qemu`): probed instead of the installed one, and what every lab runs unless its
   * launch names another (LaunchOptions.qemu, the editor's QEMU setting).
   */
  readonly qemu?: ChosenQemu;
}

/** The engine: the api contract plus its own lifecycle. */
export interface Engine extends EngineApi {
  /** Stops every lab (in parallel) and drops every subscriber. */
  dispose(): Promise<void>;
}

type Fail = { readonly ok: false; readonly error: ApiError };
const failed = (code: ApiError['code'], message: string, diagnostics?: ApiError['diagnostics']): Fail => ({
  ok: false,
  error: diagnostics ? { code, message, diagnostics } : { code, message },
});

type AnyResult = ({ readonly ok: true } & Record<string, unknown>) | Fail;

/** Creates an engine; nothing runs until a request asks for it. */
export function createEngine(options: EngineOptions = {}): Engine {
  const labs = new Map<string, LabRunner>();
  /** The document each lab was launched from (`status` hands it to a page that opens later). */
  const documents = new Map<string, Topology>();
  const unhook = new Map<string, () => void>();
  const listeners = new Set<(event: EngineEvent) => void>();
  const subscriptions = new Map<string, () => void>();
  const trust = options.trust ?? fileTrustStore(defaultTrustFile(options.env));
  let nextSub = 1;
  const probeFor = (pairs: readonly string[], qemu: ChosenQemu | undefined) =>
    probeHost({
      pairs,
      ...(options.tinyGuest ? { tinyGuest: options.tinyGuest } : {}),
      ...(options.kvm ? { kvm: options.kvm } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(qemu ? { chosenQemu: qemu } : {}),
    });

  /** The QEMU a launch runs: the one its options name (the editor's setting), else the engine's own, else the installed. */
  function qemuFor(path: string | undefined): { ok: true; qemu?: ChosenQemu } | Fail {
    if (path === undefined) return { ok: true, ...(options.qemu ? { qemu: options.qemu } : {}) };
    try {
      return { ok: true, qemu: readQemuChoice(path) };
    } catch (error) {
      if (error instanceof QemuChoiceError) return failed('INVALID_REQUEST', `options.qemu: ${error.message}`);
      throw error;
    }
  }

  const emit = (event: EngineEvent) => {
    for (const l of [...listeners]) {
      try {
        l(event);
      } catch {
        // A subscriber's bug must not break the engine.
      }
    }
  };

  /** A source through the file loader, whatever the client: a document is checked exactly as a file's text. */
  function load(
    source: LabSource,
  ): { ok: true; topology: Topology; structural: readonly LocatedDiagnostic[]; errors: readonly Diagnostic[] } | Fail {
    const r = source.kind === 'document' ? loadDocument(source.topology) : loadTopology(source.text, source.path);
    if (!r.ok) return failed('INVALID_TOPOLOGY', r.errors.map((e) => formatModelError(e)).join('\n'));
    return {
      ok: true,
      topology: r.topology,
      structural: r.diagnostics,
      errors: r.diagnostics.filter((d) => d.severity === 'error'),
    };
  }

  /**
   * The plan of a topology for this machine. The base state directory is compiled as its real path (made 0700 first
   * for a launch), so every path of the plan is one the runner checks; one that is refused is compiled as given, and
   * the runner's preflight names what is wrong with it.
   */
  async function planFor(
    { topology, structural }: { readonly topology: Topology; readonly structural: readonly LocatedDiagnostic[] },
    launch: LaunchOptions = {},
    create = false,
  ): Promise<{ ok: true; plan: LabPlan; kvm: KvmProbe; notes: readonly string[] } | Fail> {
    const o = { ...(options.stateDir ? { stateDir: options.stateDir } : {}), ...options.defaults, ...launch };
    const qemu = qemuFor(o.qemu);
    if (!qemu.ok) return qemu;
    const given = o.stateDir ?? defaultStateDir(options.env ?? process.env);
    const base = create ? ensurePrivateDir(given) : checkPrivateDir(given);
    const probe = await probeFor(machinePairs(topology), qemu.qemu);
    const chosen = {
      ...(o.privilege ? { privilege: o.privilege } : {}),
      // Named by nobody: assembleTarget decides from the lab, as for the page and `qnet compile`.
      ...(o.isolation ? { isolation: o.isolation } : {}),
      stateDir: base.ok ? base.path : given,
    };
    const plan = compile(topology, assembleTarget(probe, chosen, topology), { structural });
    return { ok: true, plan, kvm: probe.kvm, notes: Object.values(targetNotes(probe, chosen)) };
  }

  function runnerFor(plan: LabPlan, kvm: KvmProbe): LabRunner {
    return new LabRunner({
      plan,
      ...(options.env ? { env: options.env } : {}),
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      preflightEnv: { ...options.preflightEnv, kvm },
      ...options.runner,
    });
  }

  const lab = (name: string): LabRunner | Fail =>
    labs.get(name) ?? failed('LAB_NOT_FOUND', `no lab named ${name} (running or known to this engine)`);

  async function handle(req: EngineRequest): Promise<AnyResult> {
    if (req.type === 'preflight' || req.type === 'launch') {
      const o = parseLaunchOptions(req.options);
      if (!o.ok) return failed('INVALID_REQUEST', o.message);
    }
    switch (req.type) {
      case 'preflight': {
        const loaded = load(req.source);
        if (!loaded.ok) return loaded;
        const p = await planFor(loaded, req.options);
        if (!p.ok) return p;
        const problems = await runnerFor(p.plan, p.kvm).check();
        emit({ type: 'preflight', lab: p.plan.lab, problems });
        return { ok: true, problems };
      }
      case 'launch': {
        const loaded = load(req.source);
        if (!loaded.ok) return loaded;
        // A file that cannot launch anyway is not worth a question.
        if (loaded.errors.length > 0)
          return failed('INVALID_TOPOLOGY', loaded.errors.map((e) => e.message).join('\n'), loaded.errors);
        // Before anything runs or is probed for this lab: what it runs on the host needs the user's approval.
        const trusted = checkTrust(loaded.topology, req.options?.trust, trust);
        if (!trusted.ok) return trusted;
        const first = await planFor(loaded, req.options, true);
        if (!first.ok) return first;
        let p = first;
        if (trusted.note)
          emit({
            type: 'log',
            lab: p.plan.lab,
            level: 'warn',
            topic: 'trust',
            message: trusted.note,
            time: Date.now(),
          });
        if (options.buildGuest && !labs.get(p.plan.lab)?.active) {
          const lab = p.plan.lab;
          const log = (level: 'info' | 'error', message: string) =>
            emit({ type: 'log', lab, level, topic: 'guest-build', message, time: Date.now() });
          if (await buildMissingGuests(p.plan, options.buildGuest, log)) {
            const again = await planFor(loaded, req.options, true);
            if (!again.ok) return again;
            p = again;
          }
        }
        const errors = p.plan.diagnostics.filter((d) => d.severity === 'error');
        if (errors.length > 0) return failed('INVALID_TOPOLOGY', errors.map((e) => e.message).join('\n'), errors);
        const existing = labs.get(p.plan.lab);
        if (existing?.active)
          return failed('LAB_EXISTS', `lab ${p.plan.lab} is already ${existing.state}: stop it first`);
        if (existing) await dropLab(p.plan.lab);
        const runner = runnerFor(p.plan, p.kvm);
        labs.set(p.plan.lab, runner);
        documents.set(p.plan.lab, loaded.topology);
        unhook.set(p.plan.lab, runner.subscribe(emit));
        for (const note of p.notes)
          emit({ type: 'log', lab: p.plan.lab, level: 'info', topic: 'target', message: note, time: Date.now() });
        const r = await runner.launch();
        return r.ok ? { ok: true, lab: p.plan.lab, status: r.status } : r;
      }
      case 'stop': {
        const r = lab(req.lab);
        if (!(r instanceof LabRunner)) return r;
        const s = await r.stop();
        return s.ok ? { ok: true, lab: req.lab } : s;
      }
      case 'status': {
        const r = lab(req.lab);
        if (!(r instanceof LabRunner)) return r;
        return { ok: true, status: r.status(), topology: documents.get(req.lab) as Topology };
      }
      case 'list':
        return { ok: true, labs: [...labs.values()].map((r) => r.status()) };
      case 'logs': {
        const r = lab(req.lab);
        return r instanceof LabRunner ? { ok: true, lines: r.logs() } : r;
      }
      case 'consoleSubscribe': {
        const r = lab(req.lab);
        if (!(r instanceof LabRunner)) return r;
        const id = `console-${nextSub++}`;
        // The lab emits each chunk once, as its own event, while any subscription watches the guest.
        const sub = r.consoleSubscribe(req.vm, req.fromSeq ?? 0);
        if (!sub.ok) return sub;
        subscriptions.set(id, sub.unsubscribe);
        return {
          ok: true,
          subscription: id,
          seq: sub.seq,
          end: sub.end,
          backlog: sub.backlog,
          truncated: sub.truncated,
        };
      }
      case 'consoleUnsubscribe': {
        const off = subscriptions.get(req.subscription);
        if (!off) return failed('INVALID_REQUEST', `no console subscription ${req.subscription}`);
        off();
        subscriptions.delete(req.subscription);
        return { ok: true };
      }
      case 'consoleInput': {
        const r = lab(req.lab);
        return r instanceof LabRunner ? r.consoleInput(req.vm, req.data) : r;
      }
      case 'consoleRead': {
        const r = lab(req.lab);
        return r instanceof LabRunner ? r.consoleRead(req.vm, req.fromSeq) : r;
      }
      case 'captureStart': {
        const r = lab(req.lab);
        return r instanceof LabRunner ? r.captureStart(req.link) : r;
      }
      case 'captureStop': {
        const r = lab(req.lab);
        return r instanceof LabRunner ? r.captureStop(req.link) : r;
      }
      case 'captureFile': {
        const r = lab(req.lab);
        return r instanceof LabRunner ? r.captureFile(req.link) : r;
      }
      case 'capturePackets': {
        const r = lab(req.lab);
        return r instanceof LabRunner ? r.capturePackets(req.link, req.filter ?? '', req.after ?? 0) : r;
      }
      case 'setLink': {
        const r = lab(req.lab);
        return r instanceof LabRunner ? r.setLink(req.link, req.up) : r;
      }
      case 'setShaping': {
        const r = lab(req.lab);
        return r instanceof LabRunner ? r.setShaping(req.link, req.shaping) : r;
      }
      case 'vmControl': {
        const r = lab(req.lab);
        return r instanceof LabRunner ? r.controlVm(req.vm, req.action) : r;
      }
      case 'labSnapshot': {
        const r = lab(req.lab);
        return r instanceof LabRunner ? r.snapshot(req.action, req.name ?? '') : r;
      }
      default:
        return failed('INVALID_REQUEST', `unknown request type ${String((req as { type?: unknown }).type)}`);
    }
  }

  async function dropLab(name: string): Promise<void> {
    await labs.get(name)?.dispose(); // its stop events still reach the subscribers
    unhook.get(name)?.();
    unhook.delete(name);
    labs.delete(name);
    documents.delete(name);
  }

  return {
    async request<R extends EngineRequest>(request: R): Promise<ResponseOf<R>> {
      try {
        if (typeof request !== 'object' || request === null || typeof request.type !== 'string') {
          return failed('INVALID_REQUEST', 'a request is an object with a type') as ResponseOf<R>;
        }
        return (await handle(request)) as ResponseOf<R>;
      } catch (err) {
        return failed('INTERNAL', `engine error: ${err instanceof Error ? err.message : String(err)}`) as ResponseOf<R>;
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async dispose() {
      for (const off of subscriptions.values()) off();
      subscriptions.clear();
      await Promise.all([...labs.keys()].map(dropLab));
      listeners.clear();
    },
  };
}
