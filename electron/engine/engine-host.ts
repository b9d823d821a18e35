/**
 * An engine and its control socket, hosted the one way every process that runs labs hosts them (the desktop app's
 * main process, `qnet serve`, `qnet up`): the engine (engine.ts) on a base state directory, served at
 * `<stateDir>/engine-<pid>.sock` behind the key of `engine-<pid>.key` (control-server.ts), so `qnet status`,
 * `console`, `logs` and `down` reach its labs. Disposing closes the socket first (no client gets in any more), then
 * stops every lab.
 */
import { controlSocketPath } from './control-socket';
import { serveControl, type ControlServer } from './control-server';
import { createEngine, type Engine, type EngineOptions } from './engine';

export interface EngineHostOptions {
  /** Base state directory of the engine's labs and of its control socket. */
  readonly stateDir: string;
  /** The engine's other options (launch defaults, the tiny guest builder). */
  readonly engine?: Omit<EngineOptions, 'stateDir'>;
  /** Makes the engine instead of createEngine (tests pass a scripted one). */
  readonly createEngine?: () => Engine;
  /** Told to clients: this engine ends once its labs are stopped (`qnet up`). */
  readonly exitsAfterStop?: boolean;
  /**
   * Fail (after disposing the engine) when the control socket cannot listen. Without it the engine runs alone and
   * `controlError` says why: a window or a browser tab works without the socket, `qnet up` does not.
   */
  readonly requireControl?: boolean;
}

export interface EngineHost {
  readonly engine: Engine;
  /** The control socket; null when it could not listen, and `controlError` says why. */
  readonly control: ControlServer | null;
  readonly controlError: string | null;
  /** Closes the control socket, then stops every lab of the engine (once, however often called). */
  dispose(): Promise<void>;
}

/** Starts an engine and serves it on its control socket. */
export async function startEngineHost(options: EngineHostOptions): Promise<EngineHost> {
  const engine = options.createEngine?.() ?? createEngine({ ...options.engine, stateDir: options.stateDir });
  let control: ControlServer | null = null;
  let controlError: string | null = null;
  try {
    control = await serveControl(engine, controlSocketPath(options.stateDir), {
      exitsAfterStop: options.exitsAfterStop ?? false,
    });
  } catch (error) {
    if (options.requireControl) {
      await engine.dispose();
      throw error;
    }
    controlError = (error as Error).message;
  }
  let disposing: Promise<void> | null = null;
  return {
    engine,
    control,
    controlError,
    dispose() {
      disposing ??= (async () => {
        await control?.close();
        await engine.dispose();
      })();
      return disposing;
    },
  };
}
