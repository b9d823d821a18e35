import { useEditor } from '../store/editor';
import { Field } from './Field';
import { LAB_FIELDS, type FieldDef } from './fields';
import { doneTyping, tryLabField } from './tryEdit';

function LabField({ f }: { f: FieldDef }) {
  // One value per field (a string or number): moving nodes re-renders none of them.
  const value = useEditor((s) => f.path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], s.doc));
  const name = `lab.${f.path.join('.')}`;
  return (
    <Field
      label={f.label}
      name={name}
      type={f.type}
      value={value}
      optional={f.optional ?? false}
      {...(f.hint ? { hint: f.hint } : {})}
      onTry={(v) => tryLabField(f.path, v)}
      onDone={doneTyping}
    />
  );
}

/** The lab's own properties, shown while nothing is selected: name, description and the derivation settings. */
export function LabForm() {
  return (
    <section className="inspector__form" data-testid="inspector__lab">
      <h2 className="panel-title">Lab</h2>
      <p className="muted">Select a node or a link to edit it.</p>
      {LAB_FIELDS.map((f) => (
        <LabField key={f.path.join('.')} f={f} />
      ))}
    </section>
  );
}
