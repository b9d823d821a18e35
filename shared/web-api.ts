/**
 * The web-mode-only routes (`qnet serve`, electron/server): what the page needs before it can compile like
 * `qnet compile` does. The engine contract proper is api.ts, carried over /api/ws as wire.ts says.
 */
import type { Target } from './compiler/target';

/** Header the page sends its token in (the WebSocket, which cannot set headers, uses `?token=`). */
export const TOKEN_HEADER = 'x-qnet-token';

/** GET /api/target: the compile target probed by the server, the same as `qnet compile` with the same options. */
export interface TargetResponse {
  /** The probed target without `nicModels`. */
  readonly target: Target;
  /**
   * Whether `qnet compile` would probe NIC models (it does when it probed the QEMU version): then the page adds
   * `nicModels` for the `<arch>/<machine>` pairs its topology uses, in node order, as the CLI does.
   */
  readonly probesNicModels: boolean;
  /** NIC models per pair probed so far; more via /api/nic-models. */
  readonly nicModels: Readonly<Record<string, readonly string[]>>;
  /**
   * The engine's working directory: QEMU starts there, so a relative boot path (kernel, initrd, disk image) is
   * opened from it. The inspector states it.
   */
  readonly engineDir: string;
}

/** GET /api/nic-models?pair=ARCH/MACHINE: the NIC models of one more pair (probed on demand, cached). */
export interface NicModelsResponse {
  readonly pair: string;
  /** Empty when the binary is missing or its answer could not be read (then the compiler accepts any model). */
  readonly models: readonly string[];
}

/** One file of assets/examples. */
export interface ExampleFile {
  /** File name, e.g. `05-socket-pair.qnet.yaml`. */
  readonly file: string;
  readonly text: string;
}

/** GET /api/examples. */
export interface ExamplesResponse {
  readonly examples: readonly ExampleFile[];
}
