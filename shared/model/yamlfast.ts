import {
  boolCoreTag,
  defineMappingTag,
  defineScalarTag,
  load,
  NOT_RESOLVED,
  nullCoreTag,
  Schema,
  seqTag,
  strTag,
} from 'js-yaml';

/**
 * The fast road for reading a topology file. `yaml` (the parser behind every error's line and column) builds a
 * full syntax tree, which costs a 1,000-node file ~350 ms; js-yaml 5 reads the same YAML 1.2 core schema into plain
 * values about six times faster. The values are all a load needs when the file is fine; positions are asked of
 * `yaml` only when there is something to point at (load.ts parses its tree lazily).
 *
 * The fast road is taken only where both parsers are known to give the same values (load.fuzz.test.ts checks it
 * on mutated files): text with anchors or aliases (yaml caps alias expansion), tags, directives, complex or merge
 * keys, or `__proto__` goes the slow road, and so does anything js-yaml refuses (yaml then says where it is wrong).
 */
const SLOW_ROAD = /[&*!?%]|<<|__proto__/;

/** What `fastYaml` returns when the text must go the slow road. */
export const SLOW = Symbol('slow road');

const DIGITS = [...'0123456789'];
const INT = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?[0-9]+)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** The core schema's numbers as `yaml` reads them: too large a number is ±Infinity, not a string. */
const intTag = defineScalarTag<number>('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: ['-', '+', ...DIGITS],
  resolve: (s) => {
    if (!INT.test(s)) return NOT_RESOLVED;
    if (s.startsWith('0o')) return parseInt(s.slice(2), 8);
    if (s.startsWith('0x')) return parseInt(s.slice(2), 16);
    return parseInt(s, 10);
  },
  identify: () => false,
});
const floatTag = defineScalarTag<number>('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: ['-', '+', '.', ...DIGITS],
  resolve: (s) => {
    if (FLOAT.test(s)) return parseFloat(s);
    if (/^[-+]?\.(?:inf|Inf|INF)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    if (/^\.(?:nan|NaN|NAN)$/.test(s)) return NaN;
    return NOT_RESOLVED;
  },
  identify: () => false,
});
/**
 * Mappings with string keys only: the two parsers turn a null, number or boolean key into different strings
 * (`yaml` makes a null key "", js-yaml "null"), so such a key sends the text the slow road.
 */
type Carrier = Record<string, unknown>;
const mapTag = defineMappingTag<Carrier>('tag:yaml.org,2002:map', {
  create: () => ({}),
  addPair: (map, key, value) => {
    if (typeof key !== 'string') return 'a key that is not a string';
    map[key] = value; // never "__proto__": such text takes the slow road
    return '';
  },
  has: (map, key) => typeof key === 'string' && Object.hasOwn(map, key),
  keys: (map) => Object.keys(map),
  get: (map, key) => (typeof key === 'string' && Object.hasOwn(map, key) ? map[key] : null),
  identify: () => false,
});
const CORE = new Schema([strTag, seqTag, mapTag, nullCoreTag, boolCoreTag, intTag, floatTag]);

/** The document's value, or SLOW. */
export function fastYaml(text: string): unknown {
  if (SLOW_ROAD.test(text)) return SLOW;
  try {
    const value = load(text, { schema: CORE });
    return value === undefined ? SLOW : value;
  } catch {
    return SLOW;
  }
}
