/**
 * Label and field selectors with Kubernetes' syntax and semantics (apimachinery's
 * pkg/labels and pkg/fields). Pure TypeScript with no Node imports, so the dashboard and the
 * controllers can reuse the label-selector matcher.
 *
 * Label selector: comma-separated requirements, all of which must hold:
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`, and `k>n` / `k<n` (integers).
 * Field selector: comma-separated `field=value`, `field==value`, `field!=value`; values may be
 * empty and may contain `:`; `\,` `\=` `\\` escape.
 */

/** One label requirement. `!=` and `notin` also match objects without the label, as in Kubernetes. */
export interface LabelRequirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';
  values: string[];
}

/** A parsed label selector: the AND of its requirements (empty = everything). */
export type LabelSelectorReqs = LabelRequirement[];

/** One field requirement. */
export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Thrown for a selector that does not parse; the API server answers 400 BadRequest with the message. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

const NAME_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const PREFIX_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Validates a label key (qualified name); returns an error message or undefined. */
export function labelKeyError(key: string): string | undefined {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const [prefix] = parts;
    name = parts[1];
    if (!prefix) return `prefix part must be non-empty`;
    if (prefix.length > 253 || !PREFIX_RE.test(prefix)) {
      return `prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`;
    }
  } else if (parts.length > 2) {
    return `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`;
  }
  if (!name) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!NAME_RE.test(name)) {
    return `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`;
  }
  return undefined;
}

/** Validates a label value; returns an error message or undefined. */
export function labelValueError(value: string): string | undefined {
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!VALUE_RE.test(value)) {
    return `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`;
  }
  return undefined;
}

type Tok =
  { t: 'id'; v: string } | { t: 'op'; v: string } | { t: '(' } | { t: ')' } | { t: ',' } | { t: '!' };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c });
      i++;
    } else if (s.startsWith('==', i) || s.startsWith('!=', i)) {
      out.push({ t: 'op', v: s.slice(i, i + 2) });
      i += 2;
    } else if (c === '=' || c === '>' || c === '<') {
      out.push({ t: 'op', v: c });
      i++;
    } else if (c === '!') {
      out.push({ t: '!' });
      i++;
    } else {
      let j = i;
      while (j < s.length && !' \t(),=!<>'.includes(s[j])) j++;
      out.push({ t: 'id', v: s.slice(i, j) });
      i = j;
    }
  }
  return out;
}

/** Parses a label selector string; throws SelectorError naming the problem. */
export function parseLabelSelector(selector: string | undefined): LabelSelectorReqs {
  if (!selector || !selector.trim()) return [];
  const toks = tokenize(selector);
  const reqs: LabelRequirement[] = [];
  let p = 0;
  const fail = (why: string): never => {
    throw new SelectorError(`unable to parse requirement: ${why}`);
  };
  const checkKey = (key: string) => {
    const err = labelKeyError(key);
    if (err) fail(`key: Invalid value: "${key}": ${err}`);
  };
  const checkValue = (key: string, value: string) => {
    const err = labelValueError(value);
    if (err) fail(`values[0][${key}]: Invalid value: "${value}": ${err}`);
  };
  for (;;) {
    let tok = toks[p];
    if (!tok) fail(`found '', expected: !, identifier, or 'end of string'`);
    if (tok.t === '!') {
      const id = toks[p + 1];
      if (!id || id.t !== 'id') fail(`found '${tokText(id)}', expected: identifier after '!'`);
      const key = (id as { v: string }).v;
      checkKey(key);
      reqs.push({ key, op: '!', values: [] });
      p += 2;
    } else if (tok.t === 'id') {
      const key = tok.v;
      checkKey(key);
      p++;
      tok = toks[p];
      if (!tok || tok.t === ',') {
        reqs.push({ key, op: 'exists', values: [] });
      } else if (tok.t === 'op') {
        const op = tok.v;
        p++;
        const v = toks[p];
        // `k=` (empty value) is valid: it selects objects whose label k is "".
        let value = '';
        if (v && v.t === 'id') {
          value = v.v;
          p++;
        } else if (v && v.t !== ',') {
          fail(`found '${tokText(v)}', expected: identifier for value`);
        }
        if (op === '>' || op === '<') {
          if (!/^-?\d+$/.test(value)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
          reqs.push({ key, op: op === '>' ? 'gt' : 'lt', values: [value] });
        } else {
          checkValue(key, value);
          reqs.push({ key, op: op === '!=' ? 'notin' : 'in', values: [value] });
        }
      } else if (tok.t === 'id' && (tok.v === 'in' || tok.v === 'notin')) {
        const op = tok.v;
        p++;
        if (toks[p]?.t !== '(') fail(`found '${tokText(toks[p])}', expected: '('`);
        p++;
        const values: string[] = [];
        for (;;) {
          const v = toks[p];
          if (v?.t === 'id') {
            checkValue(key, v.v);
            values.push(v.v);
            p++;
          } else if (v?.t === ',' || v?.t === ')') {
            values.push(''); // an empty set member, e.g. `in (a,)` — Kubernetes accepts it
          } else {
            fail(`found '${tokText(v)}', expected: ',', ')' or identifier`);
          }
          const sep = toks[p];
          if (sep?.t === ',') {
            p++;
            continue;
          }
          if (sep?.t === ')') {
            p++;
            break;
          }
          fail(`found '${tokText(sep)}', expected: ',' or ')'`);
        }
        // `k in ()` is an error, as in Kubernetes; `k in (a,)` keeps the empty member.
        if (values.every((v) => v === '')) fail(`for 'in', 'notin' operators, values set can't be empty`);
        reqs.push({ key, op, values });
      } else {
        fail(`found '${tokText(tok)}', expected: '=', '!=', '==', 'in', notin'`);
      }
    } else {
      fail(`found '${tokText(tok)}', expected: !, identifier, or 'end of string'`);
    }
    if (p >= toks.length) break;
    if (toks[p].t !== ',') fail(`found '${tokText(toks[p])}', expected: ',' or 'end of string'`);
    p++;
  }
  return reqs;
}

function tokText(t: Tok | undefined): string {
  if (!t) return '';
  if (t.t === 'id' || t.t === 'op') return t.v;
  return t.t;
}

/** True if `labels` satisfy every requirement. */
export function matchesLabelSelector(
  reqs: LabelSelectorReqs,
  labels: Record<string, string> | undefined,
): boolean {
  for (const r of reqs) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = has ? labels![r.key] : undefined;
    switch (r.op) {
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** The structured selector of a Deployment/ReplicaSet spec (metav1.LabelSelector). */
export interface StructuredLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Converts a metav1.LabelSelector to requirements. An empty selector matches everything (as
 * `metav1.LabelSelectorAsSelector` does); callers that want "nil matches nothing" check first.
 */
export function fromStructuredSelector(sel: StructuredLabelSelector | undefined): LabelSelectorReqs {
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {}))
    reqs.push({ key, op: 'in', values: [value] });
  for (const e of sel?.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[
      e.operator as 'In'
    ];
    if (!op) throw new SelectorError(`"${e.operator}" is not a valid label selector operator`);
    reqs.push({ key: e.key, op, values: [...(e.values ?? [])] });
  }
  return reqs;
}

/** Formats requirements as a selector string (`app=web,tier in (a,b)`), e.g. for Scale.status.selector. */
export function formatLabelSelector(reqs: LabelSelectorReqs): string {
  return [...reqs]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.op) {
        case 'in':
          return r.values.length === 1
            ? `${r.key}=${r.values[0]}`
            : `${r.key} in (${[...r.values].sort().join(',')})`;
        case 'notin':
          return r.values.length === 1
            ? `${r.key}!=${r.values[0]}`
            : `${r.key} notin (${[...r.values].sort().join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'gt':
          return `${r.key}>${r.values[0]}`;
        case 'lt':
          return `${r.key}<${r.values[0]}`;
      }
      return '';
    })
    .join(',');
}

/** Parses a field selector; throws SelectorError naming the problem. */
export function parseFieldSelector(selector: string | undefined): FieldRequirement[] {
  if (!selector || !selector.trim()) return [];
  const terms: string[] = [];
  let cur = '';
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '\\' && i + 1 < selector.length) {
      cur += c + selector[++i]; // keep escapes until the value is split off
    } else if (c === ',') {
      terms.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  terms.push(cur);
  return terms.map((term) => {
    // The first unescaped operator splits field from value; the value may contain `=` or `:`.
    for (let i = 0; i < term.length; i++) {
      if (term[i] === '\\') {
        i++;
        continue;
      }
      let op: '=' | '!=' | undefined;
      let len = 0;
      if (term.startsWith('!=', i)) [op, len] = ['!=', 2];
      else if (term.startsWith('==', i)) [op, len] = ['=', 2];
      else if (term[i] === '=') [op, len] = ['=', 1];
      if (op) {
        const field = term.slice(0, i).trim();
        if (!field) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
        return { field, op, value: unescape(term.slice(i + len)) };
      }
    }
    throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
  });
}

function unescape(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

/** True if the object's fields satisfy every requirement; a missing field counts as ''. */
export function matchesFieldSelector(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  for (const r of reqs) {
    const v = fields[r.field] ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
