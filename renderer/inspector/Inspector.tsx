import { memo } from 'react';
import { kindLabel, resolveEndpoint } from '../../shared/model';
import type { TopologyNode } from '../../shared/model';
import { findLink, findNode } from '../doc/changes';
import { RunningNote } from '../lab/RunningNote';
import { labelsOf } from '../plan/linkLabels';
import { usePlan } from '../plan/usePlan';
import { useEditor, useEditorShallow } from '../store/editor';
import { Field } from './Field';
import { FieldRows } from './FieldRows';
import { KIND_FIELDS } from './fields';
import { LabForm } from './LabForm';
import { ListEditor } from './ListEditor';
import { KIND_FORMS, KIND_LISTS } from './listFields';
import { ShapingForm } from './ShapingForm';
import { BootEditor, SlirpEditor } from './SubForms';
import { doneTyping, tryLinkField } from './tryEdit';

function NodeForm({ node }: { node: TopologyNode }) {
  return (
    <section className="inspector__form" data-testid={`inspector__node__${node.id}`}>
      <h2 className="panel-title">
        {kindLabel(node.kind)} <code>{node.id}</code>
      </h2>
      <RunningNote node={node} />
      <FieldRows node={node} fields={KIND_FIELDS[node.kind]} />
      {KIND_FORMS[node.kind] === 'boot' && node.kind === 'vm' ? <BootEditor vm={node} /> : null}
      {KIND_FORMS[node.kind] === 'slirp' && node.kind === 'vde' ? <SlirpEditor vde={node} /> : null}
      {KIND_LISTS[node.kind].map((def) => (
        <ListEditor key={def.path.join('.')} node={node} def={def} />
      ))}
    </section>
  );
}

/** The VM-to-VM link fields an imported command line sets; all optional (derived when empty). */
const P2P_MORE = [
  { name: 'peerPort', label: 'Port of side b (dgram inet)', type: 'number', placeholder: 'port + 1' },
  { name: 'host', label: 'Address (inet)', type: 'text', placeholder: '127.0.0.1' },
  { name: 'path', label: 'Socket path (unix)', type: 'text', placeholder: 'in the state directory' },
  {
    name: 'peerPath',
    label: 'Socket path of side b (dgram unix)',
    type: 'text',
    placeholder: 'in the state directory',
  },
  { name: 'reconnectMs', label: 'Reconnect every (ms, stream)', type: 'number', placeholder: '1000' },
] as const;

function LinkForm({ id }: { id: string }) {
  const link = useEditor((s) => findLink(s.doc, id)?.link);
  const kinds = useEditorShallow((s) => {
    const l = findLink(s.doc, id)?.link;
    return l
      ? [findNode(s.doc, resolveEndpoint(l.a).node)?.kind, findNode(s.doc, resolveEndpoint(l.b).node)?.kind]
      : [];
  });
  const result = usePlan();
  const plan = result?.ok ? result.plan : null;
  // A string, memoized on nodes, links and plan: moving nodes does not re-render the form.
  const realization = useEditor((s) => (plan ? labelsOf(s.doc, plan).get(id) : undefined));
  if (!link) return null;
  const p2p = kinds[0] === 'vm' && kinds[1] === 'vm';
  return (
    <section className="inspector__form" data-testid={`inspector__link__${id}`}>
      <h2 className="panel-title">
        Link <code>{link.a}</code> — <code>{link.b}</code>
      </h2>
      <p className="field__hint" data-testid="inspector__link__realization">
        Realized as: {realization ?? 'unknown until the target is loaded'}
      </p>
      {p2p ? (
        <>
          <Field
            label="Transport"
            name="transport"
            type="select"
            options={['auto', 'stream', 'dgram', 'socket', 'socket-udp']}
            value={link.transport}
            onTry={(v) => tryLinkField(id, ['transport'], v)}
            onDone={doneTyping}
          />
          <Field
            label="Family"
            name="family"
            type="select"
            options={['unix', 'inet']}
            value={link.family}
            onTry={(v) => tryLinkField(id, ['family'], v)}
            onDone={doneTyping}
          />
          <Field
            label="Port (inet)"
            name="port"
            type="number"
            optional
            value={link.port}
            placeholder="derived"
            onTry={(v) => tryLinkField(id, ['port'], v)}
            onDone={doneTyping}
          />
          {P2P_MORE.map((f) => (
            <Field
              key={f.name}
              label={f.label}
              name={f.name}
              type={f.type}
              optional
              value={link[f.name]}
              placeholder={f.placeholder}
              onTry={(v) => tryLinkField(id, [f.name], v)}
              onDone={doneTyping}
            />
          ))}
        </>
      ) : (
        <p className="muted">How this link is realized follows from its two ends.</p>
      )}
      <ShapingForm id={id} link={link} />
    </section>
  );
}

/** The inspector: the form of the one selected node or link, a summary of a wider selection, or the lab's form. */
export const Inspector = memo(function Inspector() {
  const sel = useEditorShallow((s) => [...s.selection.nodes, '|', ...s.selection.links]);
  const split = sel.indexOf('|');
  const nodes = sel.slice(0, split);
  const links = sel.slice(split + 1);
  const node = useEditor((s) => (nodes.length === 1 && links.length === 0 ? findNode(s.doc, nodes[0]!) : undefined));
  return (
    <aside className="inspector" data-testid="inspector" aria-label="Inspector">
      {node ? (
        <NodeForm key={node.id} node={node} />
      ) : links.length === 1 && nodes.length === 0 ? (
        <LinkForm key={links[0]} id={links[0]!} />
      ) : nodes.length + links.length > 1 ? (
        <section className="inspector__form">
          <h2 className="panel-title">Inspector</h2>
          <p className="muted">{`${nodes.length} nodes and ${links.length} links selected.`}</p>
        </section>
      ) : (
        <LabForm />
      )}
    </aside>
  );
});
