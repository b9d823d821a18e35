import { useState } from 'react';
import { linkId } from '../../shared/model';
import type { HostNode, TopologyNode } from '../../shared/model';
import { setIn } from '../doc/changes';
import { editor, useEditor } from '../store/editor';
import { discoveredToAdd, interfaceOf } from './discovered';
import { Field } from './Field';
import { FieldRows, valueAt } from './FieldRows';
import type { ListDef, RecordListDef, StringListDef } from './listFields';
import { doneTyping, tryNodeField } from './tryEdit';

type Path = readonly (string | number)[];

/** Replaces a whole list in one undo step (a row added or removed). */
function setWhole(node: TopologyNode, path: Path, value: unknown): string | null {
  const message = tryNodeField(node, path, value);
  doneTyping();
  return message;
}

function RemoveButton({ testid, onClick, title = 'Remove' }: { testid: string; onClick: () => void; title?: string }) {
  return (
    <button type="button" className="link-button" data-testid={testid} title={title} onClick={onClick}>
      remove
    </button>
  );
}

/** Removes a port row and every link at that port, as one undo step. */
function removePort(node: TopologyNode, path: Path, items: readonly unknown[], index: number, id: string): void {
  const s = editor.getState();
  const port = `${node.id}:${id}`;
  const links = s.doc.links.flatMap((l, i) => (l.a === port || l.b === port ? [linkId(l, i)] : []));
  s.dispatch([
    {
      type: 'replace-node',
      id: node.id,
      node: setIn(
        node,
        path,
        items.filter((_, j) => j !== index),
      ) as TopologyNode,
    },
    { type: 'remove', nodes: [], links },
  ]);
}

/** The host's own interfaces a host node does not list yet, each added with one click. */
function DiscoveredInterfaces({ host, path }: { host: HostNode; path: Path }) {
  const discovered = discoveredToAdd(
    host,
    useEditor((s) => s.probed?.probe.hostInterfaces),
  );
  if (!discovered.length) return null;
  return (
    <div className="discovered" data-testid="inspector__discovered">
      <span className="field__hint">On this machine:</span>
      {discovered.map((d) => (
        <button
          key={d.name}
          type="button"
          className="link-button"
          data-testid={`inspector__discovered__${d.name}`}
          title={d.addresses.join(', ') || 'no address'}
          onClick={() => setWhole(host, path, [...host.interfaces, interfaceOf(d)])}
        >
          add {d.name}
          {d.wireless ? ' (wireless)' : ''}
        </button>
      ))}
    </div>
  );
}

function RecordList({ node, path, def }: { node: TopologyNode; path: Path; def: RecordListDef }) {
  const items = (valueAt(node, path) as readonly Record<string, unknown>[] | undefined) ?? [];
  const name = path.join('.');
  return (
    <div className="list" data-testid={`inspector__list__${name}`}>
      <h3>{def.title}</h3>
      {def.discover === 'host-interfaces' ? <DiscoveredInterfaces host={node as HostNode} path={path} /> : null}
      {items.map((item, i) => {
        const id = def.idField ? String(item[def.idField]) : String(i);
        const remove = () =>
          def.ports
            ? removePort(node, path, items, i, id)
            : setWhole(
                node,
                path,
                items.filter((_, j) => j !== i),
              );
        return (
          <fieldset className="nic" key={id} data-testid={`inspector__${def.row}__${id}`}>
            <legend>
              {def.legendField ? String(item[def.legendField]) : `${def.legend ?? 'item'} ${i + 1}`}
              {items.length > (def.min ?? 0) ? (
                <RemoveButton
                  testid={`inspector__remove-${def.row}__${id}`}
                  {...(def.removeTitle ? { title: def.removeTitle } : {})}
                  onClick={remove}
                />
              ) : null}
            </legend>
            <FieldRows node={node} base={[...path, i]} fields={def.fields} />
            {(def.lists ?? []).map((l) => (
              <ListEditor key={l.path.join('.')} node={node} base={[...path, i]} def={l} />
            ))}
          </fieldset>
        );
      })}
      <button
        type="button"
        data-testid={`inspector__add-${def.row}`}
        disabled={def.max !== undefined && items.length >= def.max}
        onClick={() => setWhole(node, path, [...items, def.seed(node, items)])}
      >
        {def.add}
      </button>
    </div>
  );
}

function StringList({ node, path, def }: { node: TopologyNode; path: Path; def: StringListDef }) {
  const value = valueAt(node, path);
  const items = def.codec ? def.codec.rows(value) : ((value as readonly string[] | undefined) ?? []);
  const name = path.join('.');
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  // A plain list is tried item by item, so the schema's message is the item's; a coded one as the whole value.
  const putRow = (i: number, text: string) =>
    def.codec
      ? tryNodeField(node, path, def.codec.value(items.map((r, j) => (j === i ? text : r))))
      : tryNodeField(node, [...path, i], text);
  const add = () => {
    const message = def.codec?.check(draft) ?? putRow(items.length, draft);
    setError(message);
    doneTyping();
    if (!message) setDraft('');
  };
  return (
    <div className="list" data-testid={`inspector__list__${name}`}>
      <h3>{def.title}</h3>
      {items.map((item, i) => (
        <div key={i} className="string-row">
          <Field
            label={`${i + 1}`}
            name={`${name}.${i}`}
            type="text"
            value={item}
            onTry={(v) => putRow(i, String(v ?? ''))}
            onDone={doneTyping}
          />
          <RemoveButton
            testid={`inspector__remove__${name}.${i}`}
            onClick={() => {
              const rest = items.filter((_, j) => j !== i);
              setWhole(node, path, def.codec ? def.codec.value(rest) : rest);
            }}
          />
        </div>
      ))}
      <div className={`field${error ? ' field--invalid' : ''}`}>
        <input
          data-testid={`inspector__new__${name}`}
          value={draft}
          placeholder={def.placeholder}
          spellCheck={false}
          aria-label={`New ${def.item}`}
          onChange={(e) => (setDraft(e.target.value), setError(null))}
          onKeyDown={(e) => {
            if (e.key === 'Enter') add();
          }}
        />
        {error ? (
          <div className="field__error" role="alert" data-testid={`inspector__error__${name}.new`}>
            {error}
          </div>
        ) : null}
      </div>
      <button type="button" data-testid={`inspector__add__${name}`} onClick={add}>
        Add
      </button>
    </div>
  );
}

/**
 * The one list editor of the inspector: any list of the field table (listFields.ts) at `base` in a node, records
 * as fieldsets of their fields, strings as rows with a new one typed below; every edit tried with the schema.
 */
export function ListEditor({ node, base = [], def }: { node: TopologyNode; base?: Path; def: ListDef }) {
  const path = [...base, ...def.path];
  return def.kind === 'records' ? (
    <RecordList node={node} path={path} def={def} />
  ) : (
    <StringList node={node} path={path} def={def} />
  );
}
