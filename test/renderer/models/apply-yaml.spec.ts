import { describe, expect, it } from 'vitest';
import { parseYamlDocs, rangeOfPath, lineOf } from '../../../src-renderer/models/yaml-docs';
import {
  parseFieldPath,
  validateManifest,
  type OpenApiDocument,
} from '../../../src-renderer/models/openapi-validate';
import { cleanForDiff, compactDiff, lineDiff } from '../../../src-renderer/models/line-diff';

const doc: OpenApiDocument = {
  components: {
    schemas: {
      D: {
        type: 'object',
        'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { $ref: '#/components/schemas/Meta' },
          spec: { allOf: [{ $ref: '#/components/schemas/Spec' }] },
        },
      },
      Meta: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
      Spec: {
        type: 'object',
        required: ['selector'],
        properties: {
          replicas: { type: 'integer' },
          selector: { type: 'object' },
          port: { $ref: '#/components/schemas/IOS' },
          cpu: { $ref: '#/components/schemas/Q' },
          policy: { type: 'string', enum: ['Always', 'Never'] },
        },
      },
      IOS: { type: 'string', format: 'int-or-string' },
      Q: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    },
  },
};

describe('Apply YAML models', () => {
  const text = `apiVersion: v1
kind: Namespace
metadata: { name: x }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { a: 1 }
spec:
  replicas: two
  port: 8080
  cpu: 0.5
  policy: Sometimes
  extra: true
`;

  it('splits documents with their lines and validates against the OpenAPI schema with paths', () => {
    const docs = parseYamlDocs(text);
    expect(docs.map((d) => [d.label, d.line])).toEqual([
      ['Namespace x', 1],
      ['Deployment web', 5],
    ]);
    const errs = validateManifest(docs[1].object!, doc);
    expect(errs.map((e) => [e.path.join('.'), e.message])).toEqual([
      ['metadata.labels.a', 'must be a string, not integer'],
      ['spec.selector', 'is required'],
      ['spec.replicas', 'must be an integer, not string'],
      ['spec.policy', 'must be one of "Always", "Never"'],
      ['spec.extra', 'unknown field "extra"'],
    ]);
    // Each error lands on its line.
    const line = (p: (string | number)[]) => lineOf(text, rangeOfPath(docs[1], p).from);
    expect(line(['spec', 'replicas'])).toBe(11);
    expect(line(['spec', 'extra'])).toBe(15);
    // A missing field points at its parent's key.
    expect(line(['spec', 'selector'])).toBe(10);
    expect(line(parseFieldPath('spec.template.spec.containers[0].image'))).toBe(10);
  });

  it('reports YAML syntax errors with their position', () => {
    const docs = parseYamlDocs('a: 1\nb: [1, 2\n');
    expect(docs[0].errors.length).toBeGreaterThan(0);
    expect(docs[0].object).toBeNull();
  });

  it('parses server field paths', () => {
    expect(parseFieldPath('spec.template.spec.containers[0].resources.limits[memory]')).toEqual([
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'resources',
      'limits',
      'memory',
    ]);
  });

  it('diffs live against dry-run, without server noise', () => {
    const live = cleanForDiff({
      metadata: { name: 'a', uid: 'u', resourceVersion: '3', managedFields: [] },
      spec: { r: 1 },
      status: { x: 1 },
    });
    expect(live).toEqual({ metadata: { name: 'a' }, spec: { r: 1 } });
    const d = lineDiff('a\nb\nc\nd', 'a\nB\nc\nd\ne');
    expect(d.filter((l) => l.op !== ' ')).toEqual([
      { op: '-', text: 'b' },
      { op: '+', text: 'B' },
      { op: '+', text: 'e' },
    ]);
    const long = lineDiff(
      Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n'),
      Array.from({ length: 20 }, (_, i) => (i === 10 ? 'X' : `l${i}`)).join('\n'),
    );
    expect(compactDiff(long, 1).map((l) => l.op)).toEqual(['…', ' ', '-', '+', ' ', '…']);
  });
});

describe('Apply YAML refuses hostile text with a readable error', () => {
  it('a billion-laughs alias bomb', () => {
    const bomb =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n' +
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' +
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n' +
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n' +
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n';
    const [d] = parseYamlDocs(bomb);
    expect(d.object).toBeNull();
    expect(d.errors[0].message).toMatch(/alias count|resource exhaustion/i);
  });

  it('deep nesting, flow and block', () => {
    const flow = parseYamlDocs('x: ' + '['.repeat(300) + ']'.repeat(300));
    expect(flow[0].object).toBeNull();
    expect(flow[0].errors[0].message).toMatch(/nested too deeply: at most 200 levels/);
    const block = parseYamlDocs(
      Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n',
    );
    expect(block[0].object).toBeNull();
    expect(block[0].errors[0].message).toMatch(/nested too deeply|cannot be read/);
    // A normal document still parses.
    expect(parseYamlDocs('a: {b: [1, 2]}')[0].object).toEqual({ a: { b: [1, 2] } });
  });

  it('text larger than the limit', () => {
    const [d] = parseYamlDocs('a: ' + 'x'.repeat(9 * 1024 * 1024));
    expect(d.errors[0].message).toMatch(/at most 8 MiB can be applied at once/);
  });
});
