/** Session port-forwards in the dashboard (models/port-forward.ts): matching, the port box, words. */
import { describe, expect, it } from 'vitest';
import {
  forwardFor,
  forwardTargetText,
  forwardTrafficText,
  parseLocalPort,
  type PortForwardView,
} from '../../../src-renderer/models/port-forward';

const view = (over: Partial<PortForwardView>): PortForwardView => ({
  id: 'a',
  cluster: '',
  namespace: 'ns',
  kind: 'pod',
  name: 'web',
  port: 8080,
  pod: 'web',
  podPort: 8080,
  localPort: 40000,
  url: 'http://127.0.0.1:40000/',
  connections: 0,
  activeConnections: 0,
  bytesIn: 0,
  bytesOut: 0,
  startedAt: '2026-12-06T12:00:00.000Z',
  ...over,
});

describe('port-forward model', () => {
  it('finds the newest forward of exactly that target', () => {
    const items = [
      view({ id: 'old' }),
      view({ id: 'new', startedAt: '2026-12-06T12:05:00.000Z' }),
      view({ id: 'other-port', port: 9090 }),
      view({ id: 'other-cluster', cluster: 'prod' }),
      view({ id: 'svc', kind: 'service' }),
    ];
    const t = { cluster: '', namespace: 'ns', kind: 'pod' as const, name: 'web', port: 8080 };
    expect(forwardFor(items, t)?.id).toBe('new');
    expect(forwardFor(items, { ...t, port: '8080' })?.id).toBe('new');
    expect(forwardFor(items, { ...t, cluster: 'prod' })?.id).toBe('other-cluster');
    expect(forwardFor(items, { ...t, name: 'api' })).toBeUndefined();
  });

  it('reads the local port box: empty is any free port, else 1-65535', () => {
    expect(parseLocalPort('')).toEqual({ port: 0 });
    expect(parseLocalPort(' 8080 ')).toEqual({ port: 8080 });
    expect(parseLocalPort('0')).toEqual({ error: 'Port 0 is out of range: use 1–65535, or leave it empty.' });
    expect(parseLocalPort('70000')).toHaveProperty('error');
    expect(parseLocalPort('80a')).toHaveProperty('error');
    expect(parseLocalPort('-1')).toHaveProperty('error');
  });

  it('names the target and the traffic', () => {
    expect(forwardTargetText(view({}))).toBe('pod web:8080');
    expect(forwardTargetText(view({ kind: 'service', port: 80, pod: 'web-7d9', podPort: 8080 }))).toBe(
      'service web:80 → pod web-7d9:8080',
    );
    expect(forwardTrafficText(view({ connections: 1, bytesOut: 80, bytesIn: 2048 }))).toBe(
      '1 connection · 80 B sent · 2 KiB received',
    );
    expect(forwardTrafficText(view({ connections: 3, activeConnections: 1 }))).toBe(
      '3 connections (1 open) · 0 B sent · 0 B received',
    );
  });
});
