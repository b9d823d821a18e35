import { create } from 'zustand';
import type { TargetOptions as ChosenTarget } from '../../shared/compiler';

/**
 * What the page asks of the compile target on top of what the server chose (undefined: the server's value). `qemu`:
 * the QEMU the user chose (its path), which the server probed for the page and a launch runs (LaunchOptions.qemu).
 */
export type TargetOptions = Pick<ChosenTarget, 'privilege' | 'isolation' | 'stateDir'> & { readonly qemu?: string };

export type TargetField = keyof TargetOptions;

interface TargetOptionsState {
  readonly options: TargetOptions;
  /** Sets one option; undefined goes back to the server's value. */
  set(field: TargetField, value: string | undefined): void;
  reset(): void;
}

const NONE: TargetOptions = {};

/** Sets one option of a TargetOptions (pure); the same object when nothing changes. */
export function withOption(options: TargetOptions, field: TargetField, value: string | undefined): TargetOptions {
  if (options[field] === value) return options;
  const next: Record<string, string> = { ...(options as Record<string, string>) };
  if (value === undefined) delete next[field];
  else next[field] = value;
  return next as TargetOptions;
}

/** The page's compile target options (like `qnet compile --privilege/--netns/--state-dir`); not part of the document. */
export const useTargetOptions = create<TargetOptionsState>()((set, get) => ({
  options: NONE,
  set(field, value) {
    const next = withOption(get().options, field, value);
    if (next !== get().options) set({ options: next });
  },
  reset() {
    set({ options: NONE });
  },
}));
