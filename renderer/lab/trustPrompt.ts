import { create } from 'zustand';
import type { TrustItem } from '../../shared/model/trust';

/** The user's answer to "this lab runs things on your host: launch it?". */
export type TrustChoice = 'trust' | 'cancel';

/** What the trust dialog shows: the lab and exactly the items the engine listed. */
export interface TrustQuestion {
  readonly lab: string;
  readonly items: readonly TrustItem[];
}

/** The trust dialog's state (a store) and the promise-returning question Launch awaits. */
function createTrustPrompt() {
  const store = create<{ readonly question: TrustQuestion | null }>()(() => ({ question: null }));
  let pending: ((choice: TrustChoice) => void) | null = null;
  const answer = (choice: TrustChoice) => {
    const resolve = pending;
    pending = null;
    store.setState({ question: null });
    resolve?.(choice);
  };
  return {
    store,
    /** Shows the question; a newer one cancels the older. */
    ask(question: TrustQuestion): Promise<TrustChoice> {
      if (pending) answer('cancel');
      return new Promise((resolve) => {
        pending = resolve;
        store.setState({ question });
      });
    },
    answer,
  };
}

/** The page's trust prompt (lab/TrustDialog.tsx shows it). */
export const trustPrompt = createTrustPrompt();
