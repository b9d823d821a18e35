import { describe, expect, it } from 'vitest';
import { linkId, type Topology } from '../../shared/model';
import type { LabView } from '../lab/labStore';
import { createEditorStore } from '../store/store';
import { LINK_ACTIONS, type LinkActionContext } from './registry';

function ctxOf(
  lab: Pick<LabView, 'lab' | 'state' | 'links'> & { captures?: LabView['captures'] },
  link: string,
): LinkActionContext {
  const editor = createEditorStore((d: Topology) => new Set(d.links.map((l, i) => linkId(l, i))));
  return {
    state: editor.getState(),
    lab: { captures: {}, ...lab, vms: {}, busy: null, switches: {} },
    panels: { openConsole: () => {}, openPackets: () => {} },
    app: {} as never,
    link,
  };
}

const enabled = (name: string, ctx: LinkActionContext) =>
  LINK_ACTIONS.find((a) => a.name === name)!.predicate?.(ctx) ?? true;

describe('link context menu', () => {
  it('offers the link state, then Select and Delete', () => {
    expect(LINK_ACTIONS.map((a) => `${a.name}:${a.label}`)).toEqual([
      'link-down:Set link down',
      'link-up:Set link up',
      'capture-start:Start capture',
      'capture-stop:Stop capture',
      'show-packets:Show packets',
      'select:Select',
      'delete:Delete',
    ]);
  });

  it('sets down a running link that is up and up one that is down; nothing to pull without a guest NIC or a running lab', () => {
    const lab = { lab: 'p2p', state: 'running' as const, links: { wire: true, lan: false } };
    expect([enabled('link-down', ctxOf(lab, 'wire')), enabled('link-up', ctxOf(lab, 'wire'))]).toEqual([true, false]);
    expect([enabled('link-down', ctxOf(lab, 'lan')), enabled('link-up', ctxOf(lab, 'lan'))]).toEqual([false, true]);
    // A tap-to-bridge link has no guest NIC end: the engine lists no state for it.
    expect([enabled('link-down', ctxOf(lab, 'uplink')), enabled('link-up', ctxOf(lab, 'uplink'))]).toEqual([
      false,
      false,
    ]);
    expect(enabled('link-down', ctxOf({ ...lab, state: 'stopped' }, 'wire'))).toBe(false);
    expect(enabled('link-down', ctxOf({ lab: null, state: null, links: {} }, 'wire'))).toBe(false);
  });

  it('starts a capture on a running link not captured yet, stops one that is', () => {
    const lab = {
      lab: 'p2p',
      state: 'running' as const,
      links: { wire: true, lan: true },
      captures: { lan: '/s/p2p/capture-lan-1.pcap' },
    };
    expect([enabled('capture-start', ctxOf(lab, 'wire')), enabled('capture-stop', ctxOf(lab, 'wire'))]).toEqual([
      true,
      false,
    ]);
    expect([enabled('capture-start', ctxOf(lab, 'lan')), enabled('capture-stop', ctxOf(lab, 'lan'))]).toEqual([
      false,
      true,
    ]);
    expect(enabled('capture-start', ctxOf(lab, 'uplink'))).toBe(false);
    expect(enabled('capture-start', ctxOf({ ...lab, state: 'stopped' }, 'wire'))).toBe(false);
  });
});
