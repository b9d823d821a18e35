import { useEffect, useId, useState } from 'react';

/** `tristate`: an optional boolean (default / on / off); `multiline`: text that may hold line breaks. */
export type FieldType = 'text' | 'multiline' | 'number' | 'select' | 'checkbox' | 'tristate';

export interface FieldProps {
  readonly label: string;
  /** Dotted path, for the test id: `inspector__field__nics.0.mac`. */
  readonly name: string;
  readonly type: FieldType;
  readonly value: unknown;
  readonly options?: readonly string[];
  readonly placeholder?: string;
  readonly suggestions?: readonly string[];
  /** Whether an empty text means "no value" (the field is optional). */
  readonly optional?: boolean;
  readonly hint?: string;
  /** Tries a value; returns the validator's message when it is refused (the value is then not applied). */
  readonly onTry: (value: unknown) => string | null;
  readonly onDone: () => void;
}

function format(value: unknown): string {
  if (value === true) return 'on';
  if (value === false) return 'off';
  return value === undefined || value === null ? '' : String(value);
}

function parse(type: FieldType, text: string, optional: boolean): unknown {
  if (type === 'tristate') return text === 'on' ? true : text === 'off' ? false : undefined;
  if (text.trim() === '' && optional) return undefined;
  if (type === 'number') return text.trim() === '' ? Number.NaN : Number(text);
  return text;
}

/** Why the text of a number field is no number (the schema would only say "received NaN"), or null. */
function notANumber(type: FieldType, text: string, optional: boolean): string | null {
  if (type !== 'number') return null;
  const t = text.trim();
  if (t === '') return optional ? null : 'Enter a number';
  return Number.isFinite(Number(t)) ? null : `"${t}" is not a number`;
}

/**
 * One form field, validated as you type: each keystroke is tried against the node kind's schema; a valid value
 * is applied at once (one undo step per field edit), an invalid one stays in the field with the schema's message.
 */
export function Field(props: FieldProps) {
  const { label, name, type, value, options, placeholder, suggestions, optional = false, hint, onTry, onDone } = props;
  const id = useId();
  const [draft, setDraft] = useState(format(value));
  const [error, setError] = useState<string | null>(null);

  // Follow changes from elsewhere (undo, a fix) unless the draft already means the same value.
  useEffect(() => {
    setDraft((d) => (JSON.stringify(parse(type, d, optional)) === JSON.stringify(value) ? d : format(value)));
    setError(null);
  }, [value, type, optional]);

  const testid = `inspector__field__${name}`;
  if (type === 'checkbox') {
    return (
      <label className="field field--check">
        <input
          type="checkbox"
          data-testid={testid}
          checked={value === true}
          onChange={(e) => (onTry(e.target.checked), onDone())}
        />
        <span>{label}</span>
      </label>
    );
  }
  const change = (text: string) => {
    setDraft(text);
    setError(notANumber(type, text, optional) ?? onTry(parse(type, text, optional)));
  };
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {type === 'select' || type === 'tristate' ? (
        <select id={id} data-testid={testid} value={format(value)} onChange={(e) => (change(e.target.value), onDone())}>
          {optional || type === 'tristate' ? <option value="">(default)</option> : null}
          {(type === 'tristate' ? ['on', 'off'] : (options ?? [])).map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : type === 'multiline' ? (
        <textarea
          id={id}
          data-testid={testid}
          value={draft}
          rows={3}
          placeholder={placeholder}
          aria-invalid={error ? true : undefined}
          onChange={(e) => change(e.target.value)}
          onBlur={onDone}
        />
      ) : (
        <>
          <input
            id={id}
            data-testid={testid}
            value={draft}
            inputMode={type === 'number' ? 'numeric' : undefined}
            placeholder={placeholder}
            list={suggestions?.length ? `${id}-list` : undefined}
            spellCheck={false}
            aria-invalid={error ? true : undefined}
            onChange={(e) => change(e.target.value)}
            onBlur={onDone}
          />
          {suggestions?.length ? (
            <datalist id={`${id}-list`}>
              {suggestions.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          ) : null}
        </>
      )}
      {error ? (
        <div className="field__error" role="alert" data-testid={`inspector__error__${name}`}>
          {error}
        </div>
      ) : hint ? (
        <div className="field__hint">{hint}</div>
      ) : null}
    </div>
  );
}
