import { memo } from 'react';
import type { TopologyNode } from '../../shared/model';
import { sameData } from '../doc/equal';
import { isActive, useLab } from './labStore';

/**
 * Above a node's form while the document's lab runs: when edits made there take effect. The running guests keep
 * what they were launched with; the drawing is what the next launch runs.
 */
export const RunningNote = memo(function RunningNote({ node }: { node: TopologyNode }) {
  const lab = useLab((s) => s.lab);
  const active = useLab((s) => isActive(s.state));
  const launched = useLab((s) => (s.launched ? (s.launched.nodes.find((n) => n.id === node.id) ?? null) : undefined));
  if (!lab || !active || launched === undefined) return null;
  const changed = launched === null || !sameData(launched, node);
  const what = node.kind === 'vm' ? 'guest' : 'node';
  const text =
    launched === null
      ? `Not in the running lab ${lab}: it is added at the lab's next launch (Stop, then Launch).`
      : changed
        ? `Changed since lab ${lab} was launched: the running ${what} keeps its launch settings; these apply at the lab's next launch (Stop, then Launch).`
        : `Lab ${lab} is running: changes made here apply at its next launch (Stop, then Launch), not to the running ${what}.`;
  return (
    <p
      className={`running-note${changed ? ' running-note--changed' : ''}`}
      data-testid="inspector__running-note"
      data-changed={changed}
    >
      {text}
    </p>
  );
});
