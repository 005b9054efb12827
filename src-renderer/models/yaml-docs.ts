/**
 * Multi-document YAML as the Apply page sees it: each document's object, where it starts and
 * ends in the text, its syntax errors, and the text range of any field path — so schema and
 * server errors can be put on the right line.
 */
import {
  isCollection,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { FieldPath } from './openapi-validate';

/** One `---` document. */
export interface YamlDoc {
  index: number;
  /** Offsets of the document in the text. */
  from: number;
  to: number;
  /** 1-based line of the document's first content. */
  line: number;
  object: Record<string, unknown> | null;
  errors: { from: number; to: number; message: string }[];
  /** "Deployment web" for headings. */
  label: string;
  doc: Document.Parsed;
}

/** 1-based line of an offset. */
export function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Largest Apply YAML text parsed (the API server takes 3 MiB per object; a few of them fit). */
export const MAX_APPLY_YAML_BYTES = 8 * 1024 * 1024;
/** Deepest nesting of mappings and lists accepted (the API server's MAX_BODY_DEPTH). */
export const MAX_APPLY_YAML_DEPTH = 200;
/** How many times aliases may be expanded (a "billion laughs" document is refused). */
export const MAX_APPLY_YAML_ALIASES = 100;

/**
 * The documents of an Apply YAML text. Hostile text is an error on a document, never a hang or
 * a crash: too large a text, alias bombs (maxAliasCount) and nesting deeper than
 * MAX_APPLY_YAML_DEPTH (checked on the parsed nodes, before anything recursive runs).
 */
export function parseYamlDocs(text: string): YamlDoc[] {
  if (text.length > MAX_APPLY_YAML_BYTES) return [tooBig(text)];
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true }) as Document.Parsed[];
  } catch (err) {
    // The parser recursing too deep (a RangeError) is the only way it throws.
    return [failed(text, `This YAML cannot be read: ${err instanceof Error ? err.message : String(err)}`)];
  }
  return parseDocs(text, docs);
}

function failed(text: string, message: string): YamlDoc {
  return {
    index: 0,
    from: 0,
    to: text.length,
    line: 1,
    object: null,
    errors: [{ from: 0, to: Math.min(1, text.length), message }],
    label: 'Document 1',
    doc: parseAllDocuments('{}')[0] as Document.Parsed,
  };
}

function tooBig(text: string): YamlDoc {
  return failed(
    text,
    `This YAML is ${(text.length / 1048576).toFixed(1)} MiB; at most ${MAX_APPLY_YAML_BYTES / 1048576} MiB can be applied at once.`,
  );
}

/** Nesting depth of a parsed node, without recursion (bounded by MAX_APPLY_YAML_DEPTH + 1). */
function tooDeep(root: unknown): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (!isCollection(n)) continue;
    if (d > MAX_APPLY_YAML_DEPTH) return true;
    for (const item of n.items as unknown[]) {
      const v = isMap(n) ? (item as { value?: unknown }).value : item;
      if (isCollection(v)) stack.push([v, d + 1]);
    }
  }
  return false;
}

function parseDocs(text: string, docs: Document.Parsed[]): YamlDoc[] {
  const list = Array.isArray(docs) ? docs : [];
  const out: YamlDoc[] = [];
  list.forEach((doc, i) => {
    const from = doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    const to = doc.range?.[1] ?? text.length;
    const errors = doc.errors.map((e) => ({
      from: e.pos[0],
      to: Math.max(e.pos[1], e.pos[0] + 1),
      message: e.message.split('\n')[0],
    }));
    let object: Record<string, unknown> | null = null;
    if (!errors.length && doc.contents !== null && tooDeep(doc.contents))
      errors.push({
        from,
        to: from + 1,
        message: `This document is nested too deeply: at most ${MAX_APPLY_YAML_DEPTH} levels.`,
      });
    if (!errors.length && doc.contents !== null) {
      try {
        const js = doc.toJS({ maxAliasCount: MAX_APPLY_YAML_ALIASES }) as unknown;
        if (js && typeof js === 'object' && !Array.isArray(js)) object = js as Record<string, unknown>;
        else
          errors.push({
            from,
            to: Math.max(from + 1, to),
            message: 'A document must be a mapping (an object).',
          });
      } catch (err) {
        errors.push({ from, to: from + 1, message: err instanceof Error ? err.message : String(err) });
      }
    }
    if (doc.contents === null && !errors.length) return; // empty document (e.g. trailing ---)
    const meta = (object?.metadata ?? {}) as { name?: string; namespace?: string };
    const label = object ? `${String(object.kind ?? '?')} ${meta.name ?? '(no name)'}` : `Document ${i + 1}`;
    out.push({ index: out.length, from, to, line: lineOf(text, from), object, errors, label, doc });
  });
  return out;
}

/**
 * The text range of a field in a document: the value's node, or for a missing field (e.g. a
 * required one) the deepest existing parent's key. Falls back to the document start.
 */
export function rangeOfPath(d: YamlDoc, path: FieldPath): { from: number; to: number } {
  let node: YamlNode | null | undefined = d.doc.contents as YamlNode | null;
  let best: { from: number; to: number } = { from: d.from, to: d.from + 1 };
  for (const key of path) {
    if (!node || !isCollection(node)) break;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      const k = pair.key as YamlNode;
      if (k.range) best = { from: k.range[0], to: k.range[1] };
      node = pair.value as YamlNode | null;
      if (node && (isScalar(node) || !node.range) && node.range)
        best = { from: k.range![0], to: node.range[1] };
    } else if (isSeq(node)) {
      const item = node.items[Number(key)] as YamlNode | undefined;
      if (!item) break;
      if (item.range) best = { from: item.range[0], to: Math.min(item.range[1], item.range[0] + 1) };
      node = item;
    }
  }
  return best;
}
