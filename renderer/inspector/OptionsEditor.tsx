import { useState } from 'react';
import type { TopologyNode } from '../../shared/model';
import { Field } from './Field';
import { doneTyping, tryNodeField } from './tryEdit';

type Scalar = string | number | boolean;
type Options = Readonly<Record<string, Scalar | readonly Scalar[]>>;

/** One `key=value` row per value (a repeated key is one row per value). */
function rows(options: Options | undefined): [string, string][] {
  return Object.entries(options ?? {}).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, String(x)]),
  );
}

/** The rows back as options; undefined when there are none, so the field leaves the file. */
function toOptions(list: readonly [string, string][]): Record<string, string | string[]> | undefined {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of list) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return list.length > 0 ? out : undefined;
}

function split(text: string): [string, string] {
  const eq = text.indexOf('=');
  return eq < 0 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
}

/** A node's verbatim QEMU options (`key=value` rows): what the drawing does not model, as an import kept it. */
export function OptionsEditor({ node }: { node: TopologyNode & { options?: Options } }) {
  const list = rows(node.options);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const put = (next: [string, string][]) => tryNodeField(node, ['options'], toOptions(next));
  const add = () => {
    const message = draft.includes('=') ? put([...list, split(draft)]) : 'write it as key=value';
    setError(message);
    doneTyping();
    if (!message) setDraft('');
  };
  return (
    <div className="list" data-testid="inspector__list__options">
      <h3>More QEMU options</h3>
      {list.map(([k, v], i) => (
        <div key={i} className="string-row">
          <Field
            label={`${i + 1}`}
            name={`options.${i}`}
            type="text"
            value={`${k}=${v}`}
            onTry={(text) => put(list.map((r, j) => (j === i ? split(String(text ?? '')) : r)))}
            onDone={doneTyping}
          />
          <button
            type="button"
            className="link-button"
            data-testid={`inspector__remove__options.${i}`}
            onClick={() => (put(list.filter((_, j) => j !== i)), doneTyping())}
          >
            remove
          </button>
        </div>
      ))}
      <div className={`field${error ? ' field--invalid' : ''}`}>
        <input
          data-testid="inspector__new__options"
          value={draft}
          placeholder="sndbuf=1048576"
          spellCheck={false}
          aria-label="New QEMU option"
          onChange={(e) => (setDraft(e.target.value), setError(null))}
          onKeyDown={(e) => {
            if (e.key === 'Enter') add();
          }}
        />
        {error ? (
          <div className="field__error" role="alert" data-testid="inspector__error__options.new">
            {error}
          </div>
        ) : null}
      </div>
      <button type="button" data-testid="inspector__add__options" onClick={add}>
        Add
      </button>
    </div>
  );
}
