/**
 * The click-to-deploy form's model: field validation (DNS-1123 names, images, quantities) and
 * the apps/v1 Deployment manifest the form creates.
 */
import type { Deployment, KubeObject } from './kube';
import { isQuantity, parseQuantity } from './format';

/** What the Deploy form collects. */
export interface DeployFormValues {
  name: string;
  namespace: string;
  image: string;
  replicas: number;
  /** Container port, or null for none. */
  port: number | null;
  /** CPU limit quantity ("500m"), '' for none. */
  cpuLimit: string;
  /** Memory limit quantity ("256Mi"), '' for none. */
  memoryLimit: string;
  /** CPU request ('' = none: Kubernetes defaults it to the limit). */
  cpuRequest?: string;
  /** Memory request ('' = none). */
  memoryRequest?: string;
  /** Environment variables: a value, or a key of a ConfigMap or Secret. */
  env?: EnvVarValue[];
  /** Command (ENTRYPOINT override), shell-like words: `sh -c 'echo hi'`. */
  command?: string;
  /** Args (CMD override), shell-like words. */
  args?: string;
  /** Health-check preset for readiness and liveness. */
  health?: HealthPreset;
  /** HTTP path for the http preset. */
  healthPath?: string;
  /** Command for the exec preset (run with sh -c). */
  healthCommand?: string;
  /** Create a Service for the port ("expose on localhost"). */
  expose?: boolean;
  serviceType?: 'ClusterIP' | 'NodePort';
}

/** One env var row of the form. */
export interface EnvVarValue {
  name: string;
  source: 'value' | 'configmap' | 'secret';
  /** The value, or the ConfigMap/Secret name. */
  value: string;
  /** Key in the ConfigMap/Secret. */
  key: string;
}

/** Readiness + liveness presets. */
export type HealthPreset = 'none' | 'http' | 'tcp' | 'exec';

/** Field name → readable problem. */
export type DeployFormErrors = Partial<Record<keyof DeployFormValues, string>>;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why a name is not a valid DNS-1123 label, or undefined when it is. */
export function validateDnsLabel(name: string): string | undefined {
  if (!name) return 'Required.';
  if (name.length > 63) return `Must be at most 63 characters (has ${name.length}).`;
  if (/[A-Z]/.test(name)) return 'Use lowercase letters only.';
  if (!DNS1123_LABEL.test(name)) {
    return 'Lowercase letters, digits and "-" only; must start and end with a letter or digit.';
  }
  return undefined;
}

/** Loose image reference check: no spaces, no uppercase in the repository part. */
export function validateImage(image: string): string | undefined {
  const v = image.trim();
  if (!v) return 'Required.';
  if (/\s/.test(v)) return 'An image reference has no spaces.';
  const repo = v.split('@')[0].replace(/:[^/:]*$/, '');
  if (/[A-Z]/.test(repo)) return 'Repository names are lowercase.';
  if (
    !/^[a-z0-9][a-z0-9._\-/:]*(@sha256:[a-f0-9]{64})?$/.test(v.replace(/:[\w.-]+$/, (t) => t.toLowerCase()))
  ) {
    return 'Not a valid image reference (e.g. nginx:1.27 or registry.local/app:dev).';
  }
  return undefined;
}

export function validateDeployForm(v: DeployFormValues): DeployFormErrors {
  const e: DeployFormErrors = {};
  const name = validateDnsLabel(v.name);
  if (name) e.name = name;
  const ns = validateDnsLabel(v.namespace);
  if (ns) e.namespace = ns;
  const image = validateImage(v.image);
  if (image) e.image = image;
  if (!Number.isInteger(v.replicas) || v.replicas < 0 || v.replicas > 100)
    e.replicas = 'A whole number from 0 to 100.';
  if (v.port !== null && (!Number.isInteger(v.port) || v.port < 1 || v.port > 65535))
    e.port = 'A port from 1 to 65535.';
  if (v.cpuLimit.trim()) {
    if (!isQuantity(v.cpuLimit) || parseQuantity(v.cpuLimit) <= 0)
      e.cpuLimit = 'A CPU quantity like 500m or 1.';
    else if (parseQuantity(v.cpuLimit) < 0.001) e.cpuLimit = 'At least 1m.';
  }
  for (const [field, q, kind] of [
    ['cpuRequest', v.cpuRequest, 'cpu'],
    ['memoryRequest', v.memoryRequest, 'memory'],
  ] as const) {
    if (q?.trim() && (!isQuantity(q) || parseQuantity(q) <= 0))
      e[field] = kind === 'cpu' ? 'A CPU quantity like 100m.' : 'A memory quantity like 64Mi.';
  }
  if (!e.cpuRequest && v.cpuRequest?.trim() && v.cpuLimit.trim() && isQuantity(v.cpuLimit))
    if (parseQuantity(v.cpuRequest) > parseQuantity(v.cpuLimit)) e.cpuRequest = 'Must not exceed the limit.';
  if (!e.memoryRequest && v.memoryRequest?.trim() && v.memoryLimit.trim() && isQuantity(v.memoryLimit))
    if (parseQuantity(v.memoryRequest) > parseQuantity(v.memoryLimit))
      e.memoryRequest = 'Must not exceed the limit.';
  const names = new Set<string>();
  for (const ev of v.env ?? []) {
    if (!ev.name.trim() && !ev.value.trim()) continue;
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(ev.name.trim()))
      e.env = `"${ev.name}" is not a valid variable name.`;
    else if (names.has(ev.name.trim())) e.env = `${ev.name} is set twice.`;
    else if (ev.source !== 'value' && (!ev.value.trim() || !ev.key.trim()))
      e.env = `${ev.name}: name the ${ev.source === 'secret' ? 'Secret' : 'ConfigMap'} and its key.`;
    names.add(ev.name.trim());
  }
  for (const f of ['command', 'args'] as const) {
    try {
      splitWords(v[f] ?? '');
    } catch (err) {
      e[f] = err instanceof Error ? err.message : String(err);
    }
  }
  if ((v.health === 'http' || v.health === 'tcp') && v.port === null)
    e.health = 'HTTP and TCP checks need the container port.';
  if (v.health === 'exec' && !v.healthCommand?.trim()) e.health = 'Give the command to run.';
  if (v.health === 'http' && v.healthPath && !v.healthPath.startsWith('/'))
    e.health = 'The path starts with /.';
  if (v.expose && v.port === null) e.port = 'Exposing needs a container port.';
  if (v.memoryLimit.trim()) {
    if (!isQuantity(v.memoryLimit) || parseQuantity(v.memoryLimit) <= 0)
      e.memoryLimit = 'A memory quantity like 128Mi or 1Gi.';
    else if (parseQuantity(v.memoryLimit) < 6 * 2 ** 20) e.memoryLimit = 'Docker needs at least 6Mi.';
  }
  return e;
}

/**
 * The Deployment the form creates: labels app=<name> on the Deployment and its pod template,
 * a matching selector, one container named after the app with the port and limits given.
 * Limits without requests: Kubernetes defaults requests to the limits.
 */
export function buildDeployment(v: DeployFormValues): Deployment {
  const labels = { app: v.name };
  const limits: Record<string, string> = {};
  if (v.cpuLimit.trim()) limits.cpu = v.cpuLimit.trim();
  if (v.memoryLimit.trim()) limits.memory = v.memoryLimit.trim();
  const requests: Record<string, string> = {};
  if (v.cpuRequest?.trim()) requests.cpu = v.cpuRequest.trim();
  if (v.memoryRequest?.trim()) requests.memory = v.memoryRequest.trim();
  const resources = {
    ...(Object.keys(requests).length ? { requests } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
  const env = (v.env ?? [])
    .filter((e) => e.name.trim())
    .map((e) =>
      e.source === 'value'
        ? { name: e.name.trim(), value: e.value }
        : {
            name: e.name.trim(),
            valueFrom:
              e.source === 'secret'
                ? { secretKeyRef: { name: e.value.trim(), key: e.key.trim() } }
                : { configMapKeyRef: { name: e.value.trim(), key: e.key.trim() } },
          },
    );
  let command: string[] = [];
  let args: string[] = [];
  try {
    command = splitWords(v.command ?? '');
    args = splitWords(v.args ?? '');
  } catch {
    // Shown as a field error; the preview leaves them out meanwhile.
  }
  const probes = healthProbes(v);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: v.name, namespace: v.namespace, labels },
    spec: {
      replicas: v.replicas,
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          containers: [
            {
              name: v.name,
              image: v.image.trim(),
              ...(command.length ? { command } : {}),
              ...(args.length ? { args } : {}),
              ...(v.port !== null ? { ports: [{ containerPort: v.port, protocol: 'TCP' }] } : {}),
              ...(env.length ? { env } : {}),
              ...(Object.keys(resources).length ? { resources } : {}),
              ...probes,
            },
          ],
        },
      },
    },
  };
}

/**
 * Splits shell-like words: spaces separate, single and double quotes group, backslash
 * escapes. `sh -c 'echo hi'` → ['sh', '-c', 'echo hi']. Throws on an unclosed quote.
 */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (quote) throw new Error(`Unclosed ${quote === '"' ? 'double' : 'single'} quote.`);
  if (has) out.push(cur);
  return out;
}

/** Joins words back, quoting those that need it (the inverse of splitWords). */
export function joinWords(words: readonly string[]): string {
  return words.map((w) => (w && /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The readiness and liveness probes of a preset. */
export function healthProbes(v: DeployFormValues): Record<string, unknown> {
  const h = v.health ?? 'none';
  let handler: Record<string, unknown> | undefined;
  if (h === 'http' && v.port !== null) handler = { httpGet: { path: v.healthPath || '/', port: v.port } };
  else if (h === 'tcp' && v.port !== null) handler = { tcpSocket: { port: v.port } };
  else if (h === 'exec' && v.healthCommand?.trim())
    handler = { exec: { command: ['sh', '-c', v.healthCommand.trim()] } };
  if (!handler) return {};
  return {
    readinessProbe: { ...handler, initialDelaySeconds: 1, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...handler, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
  };
}

/** The Service "expose on localhost" creates for the port (same name, selector app=<name>). */
export function buildService(v: DeployFormValues): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: v.name, namespace: v.namespace, labels: { app: v.name } },
    spec: {
      type: v.serviceType ?? 'ClusterIP',
      selector: { app: v.name },
      ports: [{ name: 'http', port: v.port ?? 80, targetPort: v.port ?? 80, protocol: 'TCP' }],
    },
  };
}

/**
 * Reads a Deployment (e.g. edited in the YAML preview) back into form values, where the form
 * can represent it; `unsupported` names what it cannot (and the form will drop).
 */
export function formFromDeployment(
  d: Record<string, unknown>,
  base: DeployFormValues,
): { values: DeployFormValues; unsupported: string[] } {
  const unsupported: string[] = [];
  const dd = d as Deployment;
  const values: DeployFormValues = { ...base };
  if (dd.kind !== 'Deployment') unsupported.push(`kind ${String(dd.kind)} (the form makes a Deployment)`);
  values.name = dd.metadata?.name ?? '';
  values.namespace = dd.metadata?.namespace ?? base.namespace;
  values.replicas = typeof dd.spec?.replicas === 'number' ? dd.spec.replicas : 1;
  const cs = dd.spec?.template?.spec?.containers ?? [];
  if (cs.length > 1) unsupported.push('more than one container');
  const c = cs[0];
  if (!c) return { values, unsupported };
  values.image = c.image ?? '';
  values.port = c.ports?.[0]?.containerPort ?? null;
  if ((c.ports?.length ?? 0) > 1) unsupported.push('more than one port');
  const r = c.resources ?? {};
  values.cpuLimit = String(r.limits?.cpu ?? '');
  values.memoryLimit = String(r.limits?.memory ?? '');
  values.cpuRequest = String(r.requests?.cpu ?? '');
  values.memoryRequest = String(r.requests?.memory ?? '');
  values.command = c.command ? joinWords(c.command) : '';
  values.args = c.args ? joinWords(c.args) : '';
  values.env = (c.env ?? []).map((e) => {
    if (e.valueFrom?.secretKeyRef)
      return {
        name: e.name,
        source: 'secret',
        value: e.valueFrom.secretKeyRef.name ?? '',
        key: e.valueFrom.secretKeyRef.key,
      };
    if (e.valueFrom?.configMapKeyRef)
      return {
        name: e.name,
        source: 'configmap',
        value: e.valueFrom.configMapKeyRef.name ?? '',
        key: e.valueFrom.configMapKeyRef.key,
      };
    if (e.valueFrom) unsupported.push(`env ${e.name} valueFrom`);
    return { name: e.name, source: 'value', value: e.value ?? '', key: '' };
  });
  const p = c.readinessProbe ?? c.livenessProbe;
  if (!p) values.health = 'none';
  else if (p.httpGet) {
    values.health = 'http';
    values.healthPath = p.httpGet.path ?? '/';
  } else if (p.tcpSocket) values.health = 'tcp';
  else if (p.exec) {
    values.health = 'exec';
    const cmd = p.exec.command ?? [];
    values.healthCommand = cmd[0] === 'sh' && cmd[1] === '-c' ? (cmd[2] ?? '') : joinWords(cmd);
  }
  const known = new Set([
    'name',
    'image',
    'ports',
    'resources',
    'command',
    'args',
    'env',
    'readinessProbe',
    'livenessProbe',
  ]);
  for (const k of Object.keys(c)) if (!known.has(k)) unsupported.push(`container ${k}`);
  return { values, unsupported };
}

/**
 * Which form field a server cause (`details.causes[].field`) is about, for showing a
 * dry-run or create error at the field. Undefined when the form has no such field.
 */
export function fieldForCause(field: string | undefined): keyof DeployFormValues | undefined {
  if (!field) return undefined;
  const f = field.replace(/^spec\.template\.spec\.containers\[0\]\./, 'c.');
  if (
    f === 'metadata.name' ||
    f === 'c.name' ||
    f.startsWith('metadata.labels') ||
    f.startsWith('spec.selector')
  )
    return 'name';
  if (f === 'metadata.namespace') return 'namespace';
  if (f === 'spec.replicas') return 'replicas';
  if (f.startsWith('c.image')) return 'image';
  if (f.startsWith('c.ports') || f.startsWith('spec.ports')) return 'port';
  if (/^c\.resources\.limits\.cpu|^c\.resources\.limits\[cpu\]/.test(f)) return 'cpuLimit';
  if (/^c\.resources\.limits\.memory|^c\.resources\.limits\[memory\]/.test(f)) return 'memoryLimit';
  if (/^c\.resources\.requests\.cpu|^c\.resources\.requests\[cpu\]/.test(f)) return 'cpuRequest';
  if (/^c\.resources\.requests\.memory|^c\.resources\.requests\[memory\]/.test(f)) return 'memoryRequest';
  if (f.startsWith('c.resources')) return 'cpuLimit';
  if (f.startsWith('c.env')) return 'env';
  if (f.startsWith('c.command')) return 'command';
  if (f.startsWith('c.args')) return 'args';
  if (f.startsWith('c.readinessProbe') || f.startsWith('c.livenessProbe')) return 'health';
  return undefined;
}
