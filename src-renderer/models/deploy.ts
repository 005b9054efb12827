/**
 * The click-to-deploy form's model: field validation (DNS-1123 names, images, quantities) and
 * the apps/v1 Deployment manifest the form creates.
 */
import type { Deployment } from './kube';
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
}

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
              ...(v.port !== null ? { ports: [{ containerPort: v.port, protocol: 'TCP' }] } : {}),
              ...(Object.keys(limits).length ? { resources: { limits } } : {}),
            },
          ],
        },
      },
    },
  };
}
