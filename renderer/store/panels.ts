/**
 * What the bottom panel shows: its tab, and which guest's console the Consoles tab shows. A store of its own so the
 * canvas (a node's "Open console") can switch them.
 */
import { create } from 'zustand';

export type BottomTab = 'problems' | 'commands' | 'consoles' | 'log' | 'packets';

/** How the Consoles tab shows a lab's guests: one at a time behind tabs, or all of them side by side. */
export type ConsoleLayout = 'tabs' | 'side';

/** The bottom panel's height in pixels: its default, and the range a drag keeps it in. */
export const BOTTOM_HEIGHT = { initial: 260, min: 120, max: 2000 } as const;

const HEIGHT_KEY = 'qnet.bottomHeight';
const LAYOUT_KEY = 'qnet.consoleLayout';

/** The height within its range (whole pixels). */
export function clampHeight(px: number): number {
  if (!Number.isFinite(px)) return BOTTOM_HEIGHT.initial;
  return Math.round(Math.min(BOTTOM_HEIGHT.max, Math.max(BOTTOM_HEIGHT.min, px)));
}

/** What an earlier session left in localStorage (nothing outside a browser page). */
function stored(key: string): string | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem(key);
  } catch {
    return null;
  }
}

function keep(key: string, value: string): void {
  try {
    if (typeof localStorage !== 'undefined') localStorage.setItem(key, value);
  } catch {
    // A page without storage (private mode, quota) still resizes; it just forgets.
  }
}

export interface PanelsState {
  readonly tab: BottomTab;
  /** The lab the Consoles tab shows; null: its default (a live lab first). */
  readonly consoleLab: string | null;
  /** The guest (VM name) the Consoles tab shows; null: the lab's first. */
  readonly consoleVm: string | null;
  /** Bumped by `openConsole`: the shown terminal takes the keyboard focus. */
  readonly focusSeq: number;
  /** The link whose capture the Packets tab shows; null: the first captured one. */
  readonly packetsLink: string | null;
  /** The bottom panel's height in pixels (dragged by its top edge, remembered). */
  readonly bottomHeight: number;
  readonly consoleLayout: ConsoleLayout;

  showTab(tab: BottomTab): void;
  chooseConsoleLab(lab: string | null): void;
  chooseConsoleVm(vm: string | null): void;
  /** Shows one guest's console: the Consoles tab, that lab and guest, the keyboard in its terminal. */
  openConsole(lab: string, vm: string): void;
  /** Shows a link's packets: the Packets tab on that link. */
  openPackets(link: string): void;
  choosePacketsLink(link: string | null): void;
  /** Sets the panel's height (kept in range); `remember` stores it for the next session (at the end of a drag). */
  setBottomHeight(px: number, remember?: boolean): void;
  setConsoleLayout(layout: ConsoleLayout): void;
}

/** A panels store (one per window; tests make their own). */
export const createPanelsStore = () =>
  create<PanelsState>()((set) => ({
    tab: 'problems',
    consoleLab: null,
    consoleVm: null,
    focusSeq: 0,
    packetsLink: null,
    bottomHeight: clampHeight(Number(stored(HEIGHT_KEY) ?? BOTTOM_HEIGHT.initial)),
    consoleLayout: stored(LAYOUT_KEY) === 'side' ? 'side' : 'tabs',
    showTab: (tab) => set({ tab }),
    chooseConsoleLab: (consoleLab) => set({ consoleLab }),
    chooseConsoleVm: (consoleVm) => set({ consoleVm }),
    openConsole: (lab, vm) =>
      set((s) => ({ tab: 'consoles', consoleLab: lab, consoleVm: vm, focusSeq: s.focusSeq + 1 })),
    openPackets: (link) => set({ tab: 'packets', packetsLink: link }),
    choosePacketsLink: (packetsLink) => set({ packetsLink }),
    setBottomHeight: (px, remember = true) => {
      const bottomHeight = clampHeight(px);
      set({ bottomHeight });
      if (remember) keep(HEIGHT_KEY, String(bottomHeight));
    },
    setConsoleLayout: (consoleLayout) => {
      set({ consoleLayout });
      keep(LAYOUT_KEY, consoleLayout);
    },
  }));

/** The window's bottom panel state. */
export const usePanels = createPanelsStore();
