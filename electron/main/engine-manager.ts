/**
 * The lab engine in the main process, hosted with its control socket (engine-host.ts) so `qnet status`,
 * `qnet console` and `qnet down` reach labs launched from the window. Disposing stops every lab.
 */
import type { EngineApi, LabStatus } from '../../shared/api';
import { startEngineHost, type EngineHost } from '../engine/engine-host';
import type { GuestBuilder } from '../engine/guest-ondemand';
import { defaultStateDir } from '../engine/host-paths';

export class EngineManager {
  private host: EngineHost | null = null;

  constructor(
    private readonly stateDir: string = defaultStateDir(),
    private readonly log: (line: string) => void = (line) => console.warn(line),
    /** Builds a missing tiny guest when a launch needs it. */
    private readonly buildGuest?: GuestBuilder,
  ) {}

  get api(): EngineApi {
    if (!this.host) throw new Error('the engine is not initialized');
    return this.host.engine;
  }

  async initialize(): Promise<void> {
    this.host = await startEngineHost({
      stateDir: this.stateDir,
      engine: this.buildGuest ? { buildGuest: this.buildGuest } : {},
    });
    // The window works without it; only other `qnet` commands cannot see this app's labs.
    if (this.host.controlError)
      this.log(`qnet: no control socket (${this.host.controlError}); "qnet status" will not see this window's labs`);
  }

  /** Every lab the engine knows, in any state. */
  async labs(): Promise<readonly LabStatus[]> {
    const r = await this.api.request({ type: 'list' });
    return r.ok ? r.labs : [];
  }

  async dispose(): Promise<void> {
    await this.host?.dispose();
    this.host = null;
  }
}
