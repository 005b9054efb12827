#!/usr/bin/env node
// Generates src-main/control-plane/apiserver/openapi-schemas.json: OpenAPI v3 component schemas
// for the Kubernetes API types, read from the `kubernetes-types` package (the project's one
// source of API types; its declarations carry the upstream field descriptions) with the
// TypeScript compiler API. Adds what the declarations cannot say: which numbers are floats,
// the strategic-merge patch metadata (x-kubernetes-patch-strategy / -merge-key) and each kind's
// x-kubernetes-group-version-kind. Run after upgrading kubernetes-types:
//   node resources/tools/gen-openapi-schemas.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const typesDir = path.join(root, 'node_modules', 'kubernetes-types');
const out = path.join(root, 'src-main', 'control-plane', 'apiserver', 'openapi-schemas.json');

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Schema-name prefix of a declaration file (relative path without .d.ts). */
function prefixOf(rel) {
  if (rel === 'meta/v1') return META;
  if (rel === 'api/resource') return 'io.k8s.apimachinery.pkg.api.resource';
  if (rel === 'runtime') return 'io.k8s.apimachinery.pkg.runtime';
  if (rel === 'version') return 'io.k8s.apimachinery.pkg.version';
  if (rel.startsWith('apiextensions/'))
    return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${rel.split('/')[1]}`;
  return `io.k8s.api.${rel.replace('/', '.')}`;
}

/** Numbers that are floats upstream; every other number is an integer. */
const FLOATS = new Set([
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.minimum',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.maximum',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.multipleOf',
]);

/**
 * Strategic-merge patch metadata of the served groups, `Type.field strategy [mergeKey]`, as the
 * upstream types declare it (patchStrategy / patchMergeKey struct tags).
 */
const PATCH = `
core.v1.Container.ports merge containerPort; core.v1.Container.env merge name
core.v1.Container.volumeMounts merge mountPath; core.v1.Container.volumeDevices merge devicePath
core.v1.EphemeralContainer.ports merge containerPort; core.v1.EphemeralContainer.env merge name
core.v1.EphemeralContainer.volumeMounts merge mountPath; core.v1.EphemeralContainer.volumeDevices merge devicePath
core.v1.PodSpec.volumes merge,retainKeys name; core.v1.PodSpec.initContainers merge name
core.v1.PodSpec.containers merge name; core.v1.PodSpec.ephemeralContainers merge name
core.v1.PodSpec.imagePullSecrets merge name; core.v1.PodSpec.hostAliases merge ip
core.v1.PodSpec.topologySpreadConstraints merge topologyKey; core.v1.PodSpec.schedulingGates merge name
core.v1.PodSpec.resourceClaims merge,retainKeys name; core.v1.PodStatus.conditions merge type
core.v1.PodStatus.hostIPs merge ip; core.v1.PodStatus.podIPs merge ip
core.v1.PodStatus.resourceClaimStatuses merge,retainKeys name; core.v1.ContainerStatus.volumeMounts merge mountPath
core.v1.PersistentVolumeClaimStatus.conditions merge type; core.v1.ReplicationControllerStatus.conditions merge type
core.v1.ServiceStatus.conditions merge type; core.v1.ServiceSpec.ports merge port
core.v1.ServiceAccount.secrets merge name; core.v1.NodeSpec.podCIDRs merge
core.v1.NodeStatus.conditions merge type; core.v1.NodeStatus.addresses merge type
core.v1.NamespaceStatus.conditions merge type; core.v1.ComponentStatus.conditions merge type
apps.v1.StatefulSetStatus.conditions merge type; apps.v1.DeploymentSpec.strategy retainKeys
apps.v1.DeploymentStatus.conditions merge type; apps.v1.DaemonSetStatus.conditions merge type
apps.v1.ReplicaSetStatus.conditions merge type; batch.v1.JobStatus.conditions merge type
autoscaling.v2.HorizontalPodAutoscalerStatus.conditions merge type; policy.v1.PodDisruptionBudgetSpec.selector replace
policy.v1.PodDisruptionBudgetStatus.conditions merge type; storage.v1.CSINodeSpec.drivers merge name
meta.v1.ObjectMeta.ownerReferences merge uid; meta.v1.ObjectMeta.finalizers merge
`
  .split(/[;\n]/)
  .map((s) => s.trim())
  .filter(Boolean)
  .map((s) => s.split(' '));

const files = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.d.ts')) files.push(p);
  }
})(typesDir);

const schemas = {};

function docOf(node) {
  const jsDoc = node.jsDoc;
  if (!jsDoc?.length) return undefined;
  const c = jsDoc[jsDoc.length - 1].comment;
  const text = typeof c === 'string' ? c : c?.map((p) => p.text).join('');
  return text ? text.replace(/\s*\n\s*/g, '\n').trim() : undefined;
}

for (const file of files.sort()) {
  const rel = path
    .relative(typesDir, file)
    .replace(/\.d\.ts$/, '')
    .split(path.sep)
    .join('/');
  const prefix = prefixOf(rel);
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  // Imported names → their schema prefix.
  const imported = new Map();
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st)) continue;
    const from = path.posix.normalize(path.posix.join(path.posix.dirname(rel), st.moduleSpecifier.text));
    for (const el of st.importClause?.namedBindings?.elements ?? [])
      imported.set(el.name.text, prefixOf(from));
  }
  const nameOf = (n) => `${imported.get(n) ?? prefix}.${n}`;
  const ref = (n) => ({ $ref: `#/components/schemas/${nameOf(n)}` });

  const typeSchema = (node, fq) => {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.NumberKeyword:
        return FLOATS.has(fq) ? { type: 'number', format: 'double' } : { type: 'integer', format: 'int64' };
      case ts.SyntaxKind.AnyKeyword:
      case ts.SyntaxKind.UnknownKeyword:
        return { 'x-kubernetes-preserve-unknown-fields': true };
      case ts.SyntaxKind.LiteralType:
        return { type: 'string' };
      case ts.SyntaxKind.UnionType: {
        const kinds = node.types.map((t) => t.kind).sort();
        if (
          kinds.length === 2 &&
          kinds.includes(ts.SyntaxKind.NumberKeyword) &&
          kinds.includes(ts.SyntaxKind.StringKeyword)
        )
          return { $ref: `#/components/schemas/${INT_OR_STRING}` };
        return { 'x-kubernetes-preserve-unknown-fields': true };
      }
      case ts.SyntaxKind.ArrayType:
        return { type: 'array', items: typeSchema(node.elementType, fq) };
      case ts.SyntaxKind.TypeReference: {
        const n = node.typeName.getText(sf);
        if (n === 'Array') return { type: 'array', items: typeSchema(node.typeArguments[0], fq) };
        return ref(n);
      }
      case ts.SyntaxKind.TypeLiteral: {
        const idx = node.members.find((m) => ts.isIndexSignatureDeclaration(m));
        if (idx) return { type: 'object', additionalProperties: typeSchema(idx.type, fq) };
        return { type: 'object' };
      }
      default:
        return { 'x-kubernetes-preserve-unknown-fields': true };
    }
  };

  for (const st of sf.statements) {
    if (ts.isTypeAliasDeclaration(st)) {
      const name = `${prefix}.${st.name.text}`;
      let s;
      if (st.name.text === 'Time') s = { type: 'string', format: 'date-time' };
      else if (st.name.text === 'MicroTime') s = { type: 'string', format: 'date-time' };
      else if (st.name.text === 'Quantity') s = { oneOf: [{ type: 'string' }, { type: 'number' }] };
      else s = { 'x-kubernetes-preserve-unknown-fields': true };
      const d = docOf(st);
      schemas[name] = d ? { description: d, ...s } : s;
      continue;
    }
    if (!ts.isInterfaceDeclaration(st)) continue;
    const name = `${prefix}.${st.name.text}`;
    const properties = {};
    const required = [];
    let gvk;
    let apiVersionLit;
    let kindLit;
    for (const m of st.members) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      const field = m.name.getText(sf).replace(/^"|"$/g, '');
      const fq = `${name}.${field}`;
      let s = typeSchema(m.type, fq);
      if (ts.isLiteralTypeNode(m.type) && ts.isStringLiteral(m.type.literal)) {
        if (field === 'apiVersion') apiVersionLit = m.type.literal.text;
        if (field === 'kind') kindLit = m.type.literal.text;
      }
      const d = docOf(m);
      // OpenAPI 3.0 ignores siblings of $ref: wrap it like upstream does.
      if (s.$ref) s = { allOf: [s] };
      if (d) s = { description: d, ...s };
      properties[field] = s;
      if (!m.questionToken) required.push(field);
    }
    if (apiVersionLit && kindLit) {
      const [g, v] = apiVersionLit.includes('/') ? apiVersionLit.split('/') : ['', apiVersionLit];
      gvk = [{ group: g, kind: kindLit, version: v }];
    }
    const s = { type: 'object' };
    const d = docOf(st);
    if (d) s.description = d;
    if (Object.keys(properties).length) s.properties = properties;
    else if (st.name.text === 'FieldsV1' || st.name.text === 'RawExtension') {
      s['x-kubernetes-preserve-unknown-fields'] = true;
    }
    if (required.length) s.required = required.sort();
    if (gvk) s['x-kubernetes-group-version-kind'] = gvk;
    schemas[name] = s;
  }
}
schemas[INT_OR_STRING] = {
  description:
    'IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type. This allows you to have, for example, a JSON field that can accept a name or number.',
  type: 'string',
  format: 'int-or-string',
};

// kubernetes-types has no fields for the schema extensions CRDs use; upstream's JSONSchemaProps
// schema lists them, and without them field validation would prune them from every CRD.
{
  // apiextensions.v1.JSON is any JSON value (upstream gives it no type), not an object.
  const json = schemas['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON'];
  if (json) {
    delete json.type;
    json['x-kubernetes-preserve-unknown-fields'] = true;
  }
  const props =
    schemas['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps']?.properties;
  if (props) {
    const bool = (description) => ({ type: 'boolean', description });
    Object.assign(props, {
      'x-kubernetes-embedded-resource': bool(
        'x-kubernetes-embedded-resource defines that the value is an embedded Kubernetes runtime.Object, with TypeMeta and ObjectMeta.',
      ),
      'x-kubernetes-int-or-string': bool(
        'x-kubernetes-int-or-string specifies that this value is either an integer or a string.',
      ),
      'x-kubernetes-preserve-unknown-fields': bool(
        'x-kubernetes-preserve-unknown-fields stops the API server decoding step from pruning fields which are not specified in the validation schema.',
      ),
      'x-kubernetes-list-map-keys': {
        type: 'array',
        items: { type: 'string' },
        description:
          'x-kubernetes-list-map-keys annotates an array with the x-kubernetes-list-type `map` by specifying the keys used as the index of the map.',
      },
      'x-kubernetes-list-type': {
        type: 'string',
        description:
          'x-kubernetes-list-type annotates an array to further describe its topology: atomic, set or map.',
      },
      'x-kubernetes-map-type': {
        type: 'string',
        description:
          'x-kubernetes-map-type annotates an object to further describe its topology: granular or atomic.',
      },
      'x-kubernetes-validations': {
        type: 'array',
        items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        description:
          'x-kubernetes-validations describes a list of validation rules written in the CEL expression language.',
      },
    });
  }
}

for (const [typeField, strategy, key] of PATCH) {
  const parts = typeField.split('.');
  const field = parts.pop();
  const typeName = parts.pop();
  const rel = parts.join('/');
  const s = schemas[`${prefixOf(rel)}.${typeName}`]?.properties?.[field];
  if (!s) continue; // a newer field than this kubernetes-types version
  s['x-kubernetes-patch-strategy'] = strategy;
  if (key) s['x-kubernetes-patch-merge-key'] = key;
}

const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
fs.writeFileSync(out, JSON.stringify(sorted) + '\n');
console.log(`wrote ${Object.keys(sorted).length} schemas to ${path.relative(root, out)}`);
