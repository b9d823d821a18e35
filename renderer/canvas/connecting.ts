import { create } from 'zustand';

/** Whether a wire is being drawn: plain nodes then offer a handle on every side. */
export const useConnecting = create<{ on: boolean }>(() => ({ on: false }));
