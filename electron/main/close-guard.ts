/**
 * What closing a window or quitting asks: a window's unsaved changes (Save / Don't Save / Cancel), and running labs
 * (stop them through the engine, or stay) when the app is about to go. Pure decisions over injected prompts, so each
 * path is unit-tested; close-flow.ts decides which questions a close asks.
 */
import type { LabStatus, Result } from '../../shared/api';
import type { DocumentState } from './dialogs';

/** A message box: resolves with the index of the button chosen. */
export type Ask = (box: {
  message: string;
  detail: string;
  buttons: string[];
  defaultId: number;
  cancelId: number;
}) => Promise<number>;

export interface LabGuardDeps {
  /** Labs this app's engine runs now. */
  readonly labs: () => Promise<readonly LabStatus[]>;
  readonly ask: Ask;
  readonly stopLab: (lab: string) => Promise<Result>;
}

/** `close`: go ahead; `cancel`: stay; `save`: save first (the page saves; once it is written, the close goes on). */
export type CloseDecision = 'close' | 'cancel' | 'save';

const ACTIVE = new Set<LabStatus['state']>(['preflight', 'starting', 'running', 'stopping']);

/** The labs that would be left running by quitting. */
export function activeLabs(labs: readonly LabStatus[]): string[] {
  return labs.filter((l) => ACTIVE.has(l.state)).map((l) => l.lab);
}

/** Asks about a window's unsaved changes, if it has any. */
export async function askToSave(document: DocumentState, ask: Ask): Promise<CloseDecision> {
  if (!document.dirty) return 'close';
  const choice = await ask({
    message: `Save changes to ${document.path ?? 'the new topology'} before closing?`,
    detail: 'Your changes are lost if you do not save them.',
    buttons: ['Save', "Don't Save", 'Cancel'],
    defaultId: 0,
    cancelId: 2,
  });
  if (choice === 0) return 'save';
  return choice === 1 ? 'close' : 'cancel';
}

/** Before the app goes: asks about the running labs, if any, and stops them when the user says so. */
export async function askToStopLabs(deps: LabGuardDeps): Promise<'close' | 'cancel'> {
  const running = activeLabs(await deps.labs());
  if (!running.length) return 'close';
  const choice = await deps.ask({
    message:
      running.length === 1
        ? `The lab "${running[0]}" is running.`
        : `${running.length} labs are running: ${running.join(', ')}.`,
    detail: 'Quitting stops its guests and undoes its host setup (taps, bridges, namespaces).',
    buttons: ['Stop and Quit', 'Cancel'],
    defaultId: 0,
    cancelId: 1,
  });
  if (choice !== 0) return 'cancel';
  const results = await Promise.all(running.map(async (lab) => ({ lab, result: await deps.stopLab(lab) })));
  const failed = results.flatMap(({ lab, result }) => (result.ok ? [] : [`${lab}: ${result.error.message}`]));
  if (!failed.length) return 'close';
  const again = await deps.ask({
    message: 'Some labs did not stop cleanly.',
    detail: `${failed.join('\n')}\n\n"qnet down" undoes what is left from the lab's journal.`,
    buttons: ['Quit Anyway', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
  });
  return again === 0 ? 'close' : 'cancel';
}
