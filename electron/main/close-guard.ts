/**
 * What closing the window (or quitting) asks first: unsaved changes (Save / Don't Save / Cancel), then running labs
 * (stop them through the engine, or stay). Pure decisions over injected prompts, so each path is unit-tested.
 */
import type { LabStatus, Result } from '../../shared/api';
import type { DocumentState } from './dialogs';

/** A message box: resolves with the index of the button chosen. */
export type Ask = (box: { message: string; detail: string; buttons: string[]; defaultId: number; cancelId: number }) => Promise<number>;

export interface CloseGuardDeps {
  readonly document: DocumentState;
  /** Labs this app's engine runs now. */
  readonly labs: () => Promise<readonly LabStatus[]>;
  readonly ask: Ask;
  readonly stopLab: (lab: string) => Promise<Result>;
}

/** `close`: go ahead; `cancel`: stay; `save`: save first (the page saves, then closing is tried again). */
export type CloseDecision = 'close' | 'cancel' | 'save';

const ACTIVE = new Set<LabStatus['state']>(['preflight', 'starting', 'running', 'stopping']);

/** The labs that would be left running by quitting. */
export function activeLabs(labs: readonly LabStatus[]): string[] {
  return labs.filter((l) => ACTIVE.has(l.state)).map((l) => l.lab);
}

/** Asks what has to be asked before the window closes, and stops the running labs when the user says so. */
export async function decideClose(deps: CloseGuardDeps): Promise<CloseDecision> {
  if (deps.document.dirty) {
    const name = deps.document.path ?? 'the new topology';
    const choice = await deps.ask({
      message: `Save changes to ${name} before closing?`,
      detail: 'Your changes are lost if you do not save them.',
      buttons: ['Save', "Don't Save", 'Cancel'],
      defaultId: 0,
      cancelId: 2,
    });
    if (choice === 0) return 'save';
    if (choice !== 1) return 'cancel';
  }
  const running = activeLabs(await deps.labs());
  if (!running.length) return 'close';
  const choice = await deps.ask({
    message: running.length === 1 ? `The lab "${running[0]}" is running.` : `${running.length} labs are running: ${running.join(', ')}.`,
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
