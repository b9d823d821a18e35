import type { Link } from '../../shared/model';
import { isShaped } from '../../shared/compiler/shaping';
import { setShaping } from '../lab/linkActions';
import { useLab } from '../lab/labStore';
import { usePlan } from '../plan/usePlan';
import { Field } from './Field';
import { doneTyping, tryLinkField } from './tryEdit';

const FIELDS = [
  { name: 'rate', label: 'Rate limit (tbf)', type: 'text', placeholder: 'none, e.g. 1mbit' },
  { name: 'delay', label: 'Delay (netem)', type: 'text', placeholder: 'none, e.g. 20ms' },
  { name: 'jitter', label: 'Jitter (netem)', type: 'text', placeholder: 'none, e.g. 5ms' },
  { name: 'loss', label: 'Loss % (netem)', type: 'number', placeholder: '0' },
  { name: 'duplicate', label: 'Duplicate % (netem)', type: 'number', placeholder: '0' },
] as const;

/** Sets one shaping field; the last one cleared takes the shaping off the link. */
function tryShaping(link: Link, id: string, field: string, value: unknown): string | null {
  const next = { ...link.shaping, [field]: value };
  if (value === undefined) delete next[field as keyof typeof next];
  return tryLinkField(id, ['shaping'], Object.keys(next).length ? next : undefined);
}

/**
 * A link's shaping: the file's property (applied by tc on the link's tap and its ifb at launch, both directions), what the plan says against
 * it (a link with no tap, a kernel without sch_netem), and, while the lab runs, applying it to the running link.
 */
export function ShapingForm({ id, link }: { id: string; link: Link }) {
  const result = usePlan();
  const problems = result?.ok
    ? result.plan.diagnostics.filter(
        (d) => d.links.includes(id) && (d.code === 'SHAPING_NOT_TAP' || d.code === 'NETEM_MISSING'),
      )
    : [];
  const lab = useLab((s) => s.lab);
  const running = useLab((s) => s.state === 'running');
  const tapped = result?.ok ? result.plan.vms.some((vm) => vm.nics.some((n) => n.link === id && n.tap)) : false;
  return (
    <fieldset className="nic" data-testid="inspector__shaping">
      <legend>Shaping (both directions)</legend>
      {FIELDS.map((f) => (
        <Field
          key={f.name}
          label={f.label}
          name={`shaping.${f.name}`}
          type={f.type}
          optional
          value={link.shaping?.[f.name]}
          placeholder={f.placeholder}
          onTry={(v) => tryShaping(link, id, f.name, v)}
          onDone={doneTyping}
        />
      ))}
      {problems.map((d) => (
        <p key={d.code} className="problem severity-error" data-testid="inspector__shaping__problem" data-code={d.code}>
          {d.message}
        </p>
      ))}
      {!tapped && problems.length === 0 ? (
        <p className="field__hint" data-testid="inspector__shaping__unavailable">
          Shaping is unavailable on this link: tc shapes the tap the lab makes for a guest NIC linked to a bridge or to
          a tap node, and this link has none.
        </p>
      ) : null}
      {lab && running && tapped ? (
        <button
          type="button"
          data-testid="inspector__shaping__apply"
          disabled={problems.length > 0}
          onClick={() => void setShaping(lab, id, link.shaping ?? {})}
        >
          {isShaped(link.shaping) ? 'Apply to the running lab' : 'Take it off the running link'}
        </button>
      ) : null}
    </fieldset>
  );
}
