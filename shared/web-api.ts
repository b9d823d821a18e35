/**
 * The web-mode-only routes (`qnet serve`, electron/server): what the page needs before it can compile like
 * `qnet compile` does. The engine contract proper is api.ts, carried over /api/ws as wire.ts says.
 */
import type { HostProbe, Target, TargetOptions } from './compiler/target';

/** Header the page sends its token in (the WebSocket, which cannot set headers, uses `?token=`). */
export const TOKEN_HEADER = 'x-qnet-token';

/**
 * GET /api/target[?qemu=PATH]: what the page compiles with; with `qemu`, that QEMU probed instead of the server's
 * (a 400 naming the path when it holds none). Its target is `assembleTarget(probe, {...options, ...the page's
 * own})`, the same function `qnet compile` and the engine use on the same probe.
 */
export interface TargetResponse {
  /** This host as the server probed it (the NIC models of the pairs probed so far; more via /api/nic-models). */
  readonly probe: HostProbe;
  /** The server's own choices (its flags). */
  readonly options: TargetOptions;
  /** The server's own target, `assembleTarget(probe, options)`: what `qnet compile` gives with the same flags. */
  readonly target: Target;
  /**
   * The engine's working directory: QEMU starts there, so a relative boot path (kernel, initrd, disk image) is
   * opened from it. The inspector states it.
   */
  readonly engineDir: string;
  /** The QEMU this answer was probed for (`?qemu=PATH`, the editor's setting); absent: the server's own. */
  readonly qemu?: string;
  /** QEMUs the editor offers besides the server's own (those `qnet qemu fetch` unpacked). */
  readonly qemuOffers: readonly QemuOffer[];
}

/** A QEMU the editor can offer: where it is and how to name it. */
export interface QemuOffer {
  readonly path: string;
  readonly label: string;
}

/**
 * GET /api/nic-models?pair=ARCH/MACHINE[&qemu=PATH]: the NIC models of one more pair (probed on demand, cached), of
 * the chosen QEMU when one is given.
 */
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
