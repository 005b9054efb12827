import { describe, expect, it } from 'vitest';
import { stringify, parse } from 'yaml';
import {
  buildDeployment,
  buildService,
  fieldForCause,
  formFromDeployment,
  splitWords,
  joinWords,
  validateDeployForm,
  type DeployFormValues,
} from '../../../src-renderer/models/deploy';
import { causesByField, toDeployError } from '../../../src-renderer/stores/deploy';
import { ApiError } from '@common/client';

const base: DeployFormValues = {
  name: 'web',
  namespace: 'default',
  image: 'nginx:1.27',
  replicas: 2,
  port: 8080,
  cpuLimit: '500m',
  memoryLimit: '256Mi',
  cpuRequest: '100m',
  memoryRequest: '64Mi',
  env: [
    { name: 'MODE', source: 'value', value: 'prod', key: '' },
    { name: 'DB_PASS', source: 'secret', value: 'db', key: 'password' },
    { name: 'LEVEL', source: 'configmap', value: 'cfg', key: 'level' },
  ],
  command: "sh -c 'httpd -f -p 8080'",
  args: '',
  health: 'http',
  healthPath: '/healthz',
  healthCommand: '',
  expose: true,
  serviceType: 'NodePort',
};

describe('deploy wizard model', () => {
  it('builds env sources, requests, command and probes from a preset', () => {
    const c = buildDeployment(base).spec!.template!.spec!.containers[0];
    expect(c.command).toEqual(['sh', '-c', 'httpd -f -p 8080']);
    expect(c.env).toEqual([
      { name: 'MODE', value: 'prod' },
      { name: 'DB_PASS', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'level' } } },
    ]);
    expect(c.resources).toEqual({
      requests: { cpu: '100m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 });
    expect(c.livenessProbe).toMatchObject({
      httpGet: { path: '/healthz', port: 8080 },
      initialDelaySeconds: 10,
    });
    const tcp = buildDeployment({ ...base, health: 'tcp' }).spec!.template!.spec!.containers[0];
    expect(tcp.readinessProbe).toMatchObject({ tcpSocket: { port: 8080 } });
    const ex = buildDeployment({ ...base, health: 'exec', healthCommand: 'test -f /ok' }).spec!.template!
      .spec!.containers[0];
    expect(ex.livenessProbe).toMatchObject({ exec: { command: ['sh', '-c', 'test -f /ok'] } });
    expect(buildService(base)).toMatchObject({
      kind: 'Service',
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 8080 }] },
    });
  });

  it('round-trips: the YAML of the form reads back into the same form', () => {
    const yaml = stringify(buildDeployment(base));
    const { values, unsupported } = formFromDeployment(parse(yaml), { ...base, name: '', image: '' });
    expect(unsupported).toEqual([]);
    expect(buildDeployment(values)).toEqual(buildDeployment(base));
    // An edit in the YAML changes the form field it maps to; unknown fields are named.
    const edited = parse(yaml);
    edited.spec.replicas = 5;
    edited.spec.template.spec.containers[0].image = 'nginx:1.28';
    edited.spec.template.spec.containers[0].workingDir = '/srv';
    const back = formFromDeployment(edited, base);
    expect(back.values.replicas).toBe(5);
    expect(back.values.image).toBe('nginx:1.28');
    expect(back.unsupported).toEqual(['container workingDir']);
  });

  it('splits and joins shell-like words', () => {
    expect(splitWords(`sh -c "echo \\"hi\\" there" 'a b' c\\ d`)).toEqual([
      'sh',
      '-c',
      'echo "hi" there',
      'a b',
      'c d',
    ]);
    expect(() => splitWords("echo 'open")).toThrow(/Unclosed single quote/);
    expect(splitWords(joinWords(['sh', '-c', "it's ok", '']))).toEqual(['sh', '-c', "it's ok", '']);
  });

  it('validates the new fields', () => {
    const e = validateDeployForm({
      ...base,
      cpuRequest: '2',
      env: [{ name: '1BAD', source: 'value', value: '', key: '' }],
      command: "sh -c 'x",
      health: 'exec',
      healthCommand: '',
    });
    expect(e.cpuRequest).toBe('Must not exceed the limit.');
    expect(e.env).toMatch(/not a valid variable name/);
    expect(e.command).toMatch(/Unclosed/);
    expect(e.health).toMatch(/command/);
    expect(validateDeployForm({ ...base, port: null, health: 'http' }).health).toMatch(/container port/);
  });

  it('maps dry-run causes to form fields', () => {
    expect(fieldForCause('metadata.name')).toBe('name');
    expect(fieldForCause('spec.template.spec.containers[0].image')).toBe('image');
    expect(fieldForCause('spec.template.spec.containers[0].resources.limits[memory]')).toBe('memoryLimit');
    expect(fieldForCause('spec.template.spec.containers[0].resources.requests.cpu')).toBe('cpuRequest');
    expect(fieldForCause('spec.template.spec.containers[0].env[1].name')).toBe('env');
    expect(fieldForCause('spec.template.spec.containers[0].readinessProbe.httpGet.port')).toBe('health');
    expect(fieldForCause('spec.replicas')).toBe('replicas');
    expect(fieldForCause('spec.strategy')).toBeUndefined();
    const err = new ApiError(422, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'Deployment.apps "web" is invalid',
      reason: 'Invalid',
      details: {
        causes: [
          {
            field: 'spec.template.spec.containers[0].image',
            message: 'Required value',
            reason: 'FieldValueRequired',
          },
          { field: 'spec.replicas', message: 'must be greater than or equal to 0' },
          { field: 'spec.strategy.type', message: 'unsupported' },
        ],
      },
    });
    expect(causesByField(toDeployError(err))).toEqual({
      image: 'Required value',
      replicas: 'must be greater than or equal to 0',
    });
  });
});

describe('deploy wizard and local images', () => {
  it('sets no imagePullPolicy, so a docker-built :latest image takes the kubelet local-fallback path', () => {
    const d = buildDeployment({ ...base, image: 'myapp' });
    const c = d.spec!.template.spec!.containers[0]!;
    expect(c.image).toBe('myapp');
    expect(c.imagePullPolicy).toBeUndefined();
  });
});
