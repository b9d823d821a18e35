import { describe, expect, it, vi } from 'vitest';
import type { Result } from '../../shared/api';
import { fakeLab } from '../testkit/control-fake';
import { activeLabs, askToSave, askToStopLabs, type Ask } from './close-guard';

const clean = { dirty: false, path: null };
const asks = (...answers: number[]) => {
  const ask = vi.fn<Ask>(async () => answers.shift() ?? -1);
  return ask;
};
const stopOk = vi.fn(async (): Promise<Result> => ({ ok: true }));

describe('askToSave and askToStopLabs', () => {
  it('closes without asking when nothing is unsaved and no lab runs', async () => {
    const ask = asks();
    expect(await askToSave(clean, ask)).toBe('close');
    expect(await askToStopLabs({ labs: async () => [fakeLab('old', '/s', 'stopped')], ask, stopLab: stopOk })).toBe(
      'close',
    );
    expect(ask).not.toHaveBeenCalled();
  });

  it('asks about unsaved changes: Save, Don’t Save, Cancel', async () => {
    const document = { dirty: true, path: '/home/u/p2p.qnet.yaml' };
    const save = asks(0);
    expect(await askToSave(document, save)).toBe('save');
    expect(save.mock.calls[0]![0]).toMatchObject({
      message: 'Save changes to /home/u/p2p.qnet.yaml before closing?',
      buttons: ['Save', "Don't Save", 'Cancel'],
      cancelId: 2,
    });
    expect(await askToSave(document, asks(1))).toBe('close');
    expect(await askToSave(document, asks(2))).toBe('cancel');
    const untitled = asks(2);
    await askToSave({ dirty: true, path: null }, untitled);
    expect(untitled.mock.calls[0]![0].message).toBe('Save changes to the new topology before closing?');
  });

  it('asks before quitting with a running lab, then stops it through the engine', async () => {
    const stopLab = vi.fn(async (): Promise<Result> => ({ ok: true }));
    const labs = async () => [fakeLab('p2p', '/s', 'running'), fakeLab('done', '/s', 'stopped')];
    const ask = asks(0);
    expect(await askToStopLabs({ labs, ask, stopLab })).toBe('close');
    expect(ask.mock.calls[0]![0]).toMatchObject({
      message: 'The lab "p2p" is running.',
      buttons: ['Stop and Quit', 'Cancel'],
    });
    expect(stopLab.mock.calls).toEqual([['p2p']]);

    const stay = vi.fn(stopOk);
    expect(await askToStopLabs({ labs, ask: asks(1), stopLab: stay })).toBe('cancel');
    expect(stay).not.toHaveBeenCalled();
  });

  it('says which labs did not stop, and quits only when told to', async () => {
    const stopLab = async (): Promise<Result> => ({
      ok: false,
      error: { code: 'STEP_FAILED', message: 'ip link del failed' },
    });
    const labs = async () => [fakeLab('p2p', '/s', 'running')];
    const ask = asks(0, 1);
    expect(await askToStopLabs({ labs, ask, stopLab })).toBe('cancel');
    expect(ask.mock.calls[1]![0].detail).toContain('p2p: ip link del failed');
    expect(await askToStopLabs({ labs, ask: asks(0, 0), stopLab })).toBe('close');
  });

  it('counts labs starting or stopping as running', () => {
    const labs = (['idle', 'preflight', 'starting', 'running', 'stopping', 'stopped', 'failed'] as const).map((s) =>
      fakeLab(s, '/s', s),
    );
    expect(activeLabs(labs)).toEqual(['preflight', 'starting', 'running', 'stopping']);
  });
});
