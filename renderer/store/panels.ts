/**
 * What the bottom panel shows: its tab, and which guest's console the Consoles tab shows. A store of its own so the
 * canvas (a node's "Open console") can switch them.
 */
import { create } from 'zustand';

export type BottomTab = 'problems' | 'commands' | 'consoles' | 'log' | 'packets';

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

  showTab(tab: BottomTab): void;
  chooseConsoleLab(lab: string | null): void;
  chooseConsoleVm(vm: string | null): void;
  /** Shows one guest's console: the Consoles tab, that lab and guest, the keyboard in its terminal. */
  openConsole(lab: string, vm: string): void;
  /** Shows a link's packets: the Packets tab on that link. */
  openPackets(link: string): void;
  choosePacketsLink(link: string | null): void;
}

/** A panels store (one per window; tests make their own). */
export const createPanelsStore = () =>
  create<PanelsState>()((set) => ({
    tab: 'problems',
    consoleLab: null,
    consoleVm: null,
    focusSeq: 0,
    packetsLink: null,
    showTab: (tab) => set({ tab }),
    chooseConsoleLab: (consoleLab) => set({ consoleLab }),
    chooseConsoleVm: (consoleVm) => set({ consoleVm }),
    openConsole: (lab, vm) =>
      set((s) => ({ tab: 'consoles', consoleLab: lab, consoleVm: vm, focusSeq: s.focusSeq + 1 })),
    openPackets: (link) => set({ tab: 'packets', packetsLink: link }),
    choosePacketsLink: (packetsLink) => set({ packetsLink }),
  }));

/** The window's bottom panel state. */
export const usePanels = createPanelsStore();
