import type { z } from 'zod';
import { Link, NODE_SCHEMAS, Settings, Topology } from '../../shared/model';
import type { TopologyNode } from '../../shared/model';
import { findLink, setIn, type Change } from '../doc/changes';
import { editor } from '../store/editor';

type Path = readonly (string | number)[];

function messageAt(error: z.ZodError, path: Path): string {
  const key = path.join('.');
  const issue = error.issues.find((i) => i.path.join('.') === key) ?? error.issues[0];
  return issue?.message ?? 'invalid value';
}

/**
 * Tries a field value on a node with the loader's own schema for its kind: applied (one undo step per field edit)
 * when valid, else the schema's message is returned and nothing changes.
 */
export function tryNodeField(node: TopologyNode, path: Path, value: unknown): string | null {
  const schema = NODE_SCHEMAS[node.kind] as unknown as z.ZodType<TopologyNode>;
  const parsed = schema.safeParse(setIn(node, path, value));
  if (!parsed.success) return messageAt(parsed.error, path);
  editor.getState().dispatch([{ type: 'replace-node', id: node.id, node: parsed.data }], {
    kind: 'coalesce',
    key: `${node.id}/${path.join('.')}`,
  });
  return null;
}

/** The same for a field of a link, with the link schema. */
export function tryLinkField(id: string, path: Path, value: unknown): string | null {
  const found = findLink(editor.getState().doc, id);
  if (!found) return 'the link is gone';
  const parsed = Link.safeParse(setIn(found.link, path, value));
  if (!parsed.success) return messageAt(parsed.error, path);
  editor
    .getState()
    .dispatch([{ type: 'replace-link', id, link: parsed.data }], { kind: 'coalesce', key: `${id}/${path.join('.')}` });
  return null;
}

/** The lab's own fields and the topology schema's validator of each. */
const LAB_SCHEMAS = {
  name: Topology.shape.name,
  description: Topology.shape.description,
  settings: Settings,
} as const;

/** The change that sets a lab field to its validated value. */
function labChange(field: keyof typeof LAB_SCHEMAS, value: unknown): Change {
  if (field === 'name') return { type: 'set-name', name: value as string };
  if (field === 'description') return { type: 'set-description', description: value as string | undefined };
  return { type: 'set-settings', settings: value as Settings };
}

/**
 * The same for a field of the lab itself (`['name']`, `['description']`, `['settings', 'portBase']`), with the
 * topology schema's validators: only the edited field is checked, not every node of a large lab.
 */
export function tryLabField(path: Path, value: unknown): string | null {
  const [field, ...rest] = path;
  if (field !== 'name' && field !== 'description' && field !== 'settings') {
    return `the lab has no field ${String(field)}`;
  }
  const doc = editor.getState().doc;
  const parsed = (LAB_SCHEMAS[field] as z.ZodType).safeParse(setIn(doc[field], rest, value));
  if (!parsed.success) return messageAt(parsed.error, rest);
  editor.getState().dispatch([labChange(field, parsed.data)], { kind: 'coalesce', key: `#lab/${path.join('.')}` });
  return null;
}

/** Ends a typing run: the next edit is a new undo step. */
export function doneTyping(): void {
  editor.getState().endTyping();
}
