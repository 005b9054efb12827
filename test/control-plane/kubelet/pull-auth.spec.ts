/** imagePullSecrets → registry credentials, matched on the image's registry host. */
import { describe, expect, it } from 'vitest';
import { dockerConfigAuth, registryHost } from '../../../src-main/control-plane/kubelet/image-manager';

describe('image pull credentials', () => {
  it('finds the registry host of an image reference', () => {
    expect(registryHost('nginx')).toBe('docker.io');
    expect(registryHost('library/nginx:1')).toBe('docker.io');
    expect(registryHost('ghcr.io/org/app:2')).toBe('ghcr.io');
    expect(registryHost('localhost:5000/app')).toBe('localhost:5000');
    expect(registryHost('registry.local:5000/a/b@sha256:00')).toBe('registry.local:5000');
  });

  it('reads .dockerconfigjson auths (auth field or username/password) and legacy .dockercfg', () => {
    const cfg = JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw:with:colons').toString('base64') },
        'ghcr.io': { username: 'me', password: 'tok' },
      },
    });
    expect(dockerConfigAuth(cfg, 'docker.io')).toMatchObject({
      username: 'hub',
      password: 'pw:with:colons',
      serveraddress: 'https://index.docker.io/v1/',
    });
    expect(dockerConfigAuth(cfg, 'ghcr.io')).toMatchObject({
      username: 'me',
      password: 'tok',
      serveraddress: 'ghcr.io',
    });
    expect(dockerConfigAuth(cfg, 'quay.io')).toBeUndefined();
    expect(
      dockerConfigAuth(
        JSON.stringify({ 'localhost:5000': { username: 'u', password: 'p' } }),
        'localhost:5000',
      ),
    ).toMatchObject({ username: 'u' });
    expect(dockerConfigAuth('not json', 'docker.io')).toBeUndefined();
  });
});
