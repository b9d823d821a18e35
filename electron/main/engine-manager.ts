/**
 * The lab engine in the main process (createEngine), plus its control socket so `qnet status`, `qnet console`
 * and `qnet down` reach labs launched from the window. Disposing stops every lab.
 */
import type { EngineApi, LabStatus } from '../../shared/api';
import { controlSocketPath } from '../engine/control-socket';
import { serveControl, type ControlServer } from '../engine/control-server';
import { createEngine, type Engine } from '../engine/engine';
import type { GuestBuilder } from '../engine/guest-ondemand';
import { defaultStateDir } from '../engine/host-paths';

export class EngineManager {
  private engine: Engine | null = null;
  private control: ControlServer | null = null;

  constructor(
    private readonly stateDir: string = defaultStateDir(),
    private readonly log: (line: string) => void = (line) => console.warn(line),
    /** Builds a missing tiny guest when a launch needs it. */
    private readonly buildGuest?: GuestBuilder,
  ) {}

  get api(): EngineApi {
    if (!this.engine) throw new Error('the engine is not initialized');
    return this.engine;
  }

  async initialize(): Promise<void> {
    this.engine = createEngine({ stateDir: this.stateDir, ...(this.buildGuest ? { buildGuest: this.buildGuest } : {}) });
    try {
      this.control = await serveControl(this.engine, controlSocketPath(this.stateDir));
    } catch (err) {
      // The window works without it; only other `qnet` commands cannot see this app's labs.
      this.log(`qnet: no control socket (${(err as Error).message}); "qnet status" will not see this window's labs`);
    }
  }

  /** Every lab the engine knows, in any state. */
  async labs(): Promise<readonly LabStatus[]> {
    const r = await this.api.request({ type: 'list' });
    return r.ok ? r.labs : [];
  }

  async dispose(): Promise<void> {
    await this.control?.close();
    this.control = null;
    await this.engine?.dispose();
    this.engine = null;
  }
}
