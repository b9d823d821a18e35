import { NodeResizer, type NodeProps } from '@xyflow/react';
import { memo, useState, type KeyboardEvent } from 'react';
import { AREA_COLORS, type Annotation, type AreaColor } from '../../shared/model';
import { editor } from '../store/editor';
import { useEffectiveTheme } from '../store/theme';
import { areaTint } from './annotationColors';
import type { AreaFlowNode, NoteFlowNode } from './annotations';
import { NOTE_W } from './geometry';

/** Replaces an annotation: one undo step. */
function replace(annotation: Annotation): void {
  editor.getState().dispatch([{ type: 'replace-annotation', id: annotation.id, annotation }]);
}

/**
 * Text edited in place: a double-click opens it, Enter with Ctrl or Cmd (or leaving the field) keeps it, Escape drops
 * it. One undo step for the edit.
 */
function InlineText({
  value,
  multiline,
  testid,
  onDone,
}: {
  value: string;
  multiline: boolean;
  testid: string;
  onDone: (text: string | null) => void;
}) {
  const [text, setText] = useState(value);
  const onKeyDown = (e: KeyboardEvent) => {
    e.stopPropagation();
    if (e.key === 'Escape') onDone(null);
    if (e.key === 'Enter' && (!multiline || e.ctrlKey || e.metaKey)) onDone(text);
  };
  const common = {
    className: 'annotation__input nodrag nopan nowheel',
    'data-testid': testid,
    value: text,
    autoFocus: true,
    onChange: (e: { target: { value: string } }) => setText(e.target.value),
    onKeyDown,
    onBlur: () => onDone(text),
    onFocus: (e: { target: HTMLInputElement | HTMLTextAreaElement }) => e.target.select(),
  };
  return multiline ? <textarea rows={Math.max(2, text.split('\n').length)} {...common} /> : <input {...common} />;
}

/** A text note: its text wrapped to its width; double-click to edit. */
export const NoteNode = memo(function NoteNode({ data, selected }: NodeProps<NoteFlowNode>) {
  const a = data.annotation;
  const [editing, setEditing] = useState(false);
  return (
    <div
      className={`annotation note${selected ? ' selected' : ''}`}
      style={{ width: a.width ?? NOTE_W }}
      data-testid={`annotation__${a.id}`}
      onDoubleClick={() => setEditing(true)}
    >
      {editing ? (
        <InlineText
          value={a.text}
          multiline
          testid={`annotation__${a.id}__input`}
          onDone={(text) => {
            setEditing(false);
            if (text !== null && text !== a.text) replace({ ...a, text });
          }}
        />
      ) : (
        <div className="note__text">{a.text || <span className="muted">Double-click to write</span>}</div>
      )}
    </div>
  );
});

const COLOR_NAMES: Record<AreaColor, string> = {
  blue: 'Blue',
  green: 'Green',
  yellow: 'Yellow',
  red: 'Red',
  purple: 'Purple',
  grey: 'Grey',
};

/** A shaded area: a tinted rectangle with a label; drag it by the label, resize it by its corners when selected. */
export const AreaNode = memo(function AreaNode({ data, selected }: NodeProps<AreaFlowNode>) {
  const a = data.annotation;
  const dark = useEffectiveTheme() === 'dark';
  const tint = areaTint(a.color, dark);
  const [editing, setEditing] = useState(false);
  const border = `color-mix(in srgb, ${tint.color} ${tint.border * 100}%, transparent)`;
  return (
    <div
      className={`annotation area${selected ? ' selected' : ''}`}
      data-testid={`annotation__${a.id}`}
      data-color={a.color}
      style={{ background: `color-mix(in srgb, ${tint.color} ${tint.fill * 100}%, transparent)`, borderColor: border }}
    >
      <NodeResizer
        isVisible={selected}
        minWidth={40}
        minHeight={40}
        color={tint.color}
        onResizeStart={() => editor.getState().beginInteraction()}
        onResize={(_, p) =>
          editor.getState().dispatch(
            [
              {
                type: 'replace-annotation',
                id: a.id,
                annotation: {
                  ...a,
                  x: Math.round(p.x),
                  y: Math.round(p.y),
                  width: Math.round(p.width),
                  height: Math.round(p.height),
                },
              },
            ],
            { kind: 'none' },
          )
        }
        onResizeEnd={() => editor.getState().endInteraction()}
      />
      {selected ? (
        <div className="area__colors nodrag" role="group" aria-label="Area colour">
          {AREA_COLORS.map((c) => (
            <button
              key={c}
              type="button"
              className={`area__color${c === a.color ? ' current' : ''}`}
              style={{ background: areaTint(c, dark).color }}
              title={COLOR_NAMES[c]}
              aria-label={`${COLOR_NAMES[c]} area`}
              data-testid={`annotation__${a.id}__color__${c}`}
              onClick={() => c !== a.color && replace({ ...a, color: c })}
            />
          ))}
        </div>
      ) : null}
      <div className="area__label" onDoubleClick={() => setEditing(true)} title="Drag to move; double-click to rename">
        {editing ? (
          <InlineText
            value={a.label ?? ''}
            multiline={false}
            testid={`annotation__${a.id}__input`}
            onDone={(text) => {
              setEditing(false);
              if (text === null || text === (a.label ?? '')) return;
              const { label: _old, ...rest } = a;
              replace(text ? { ...rest, label: text } : rest);
            }}
          />
        ) : (
          a.label || <span className="muted">Area</span>
        )}
      </div>
    </div>
  );
});
