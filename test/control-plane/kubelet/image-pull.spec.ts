import { describe, expect, it } from 'vitest';
import {
  afterFailedPull,
  localImageMessage,
  pullStep,
  readablePullError,
} from '../../../src-main/control-plane/kubelet/image-pull';
import { parseImagePullMode } from '../../../src-main/common/image-pull';
import { pullPolicy } from '../../../src-main/control-plane/kubelet/pod-spec';
import { defaultSettings, validateSettingsPatch } from '../../../src-main/electron/settings';

describe('image pull decision', () => {
  it('follows the pull policy before any pull', () => {
    expect(pullStep('Never', true)).toBe('use-present');
    expect(pullStep('Never', false)).toBe('never-pull-missing');
    expect(pullStep('IfNotPresent', true)).toBe('use-present');
    expect(pullStep('IfNotPresent', false)).toBe('pull');
    // Always pulls first even when the image is there: a reachable registry still wins.
    expect(pullStep('Always', true)).toBe('pull');
    expect(pullStep('Always', false)).toBe('pull');
  });

  it('a :latest or untagged image defaults to Always, so it goes through the pull', () => {
    expect(pullStep(pullPolicy({ name: 'c', image: 'myapp' }), true)).toBe('pull');
    expect(pullStep(pullPolicy({ name: 'c', image: 'myapp:latest' }), true)).toBe('pull');
    expect(pullStep(pullPolicy({ name: 'c', image: 'myapp:dev' }), true)).toBe('use-present');
  });

  it('after a failed pull: fallback runs a present image, strict and a missing image fail', () => {
    expect(afterFailedPull('fallback', true)).toBe('use-present');
    expect(afterFailedPull('fallback', false)).toBe('fail');
    expect(afterFailedPull('strict', true)).toBe('fail');
    expect(afterFailedPull('strict', false)).toBe('fail');
  });

  it('pull errors read like the engine, without the Docker client wrapping', () => {
    expect(
      readablePullError(
        new Error(
          '(HTTP code 500) server error - Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host ',
        ),
      ),
    ).toBe('Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host');
    expect(readablePullError(new Error('manifest unknown'))).toBe('manifest unknown');
    expect(readablePullError('plain')).toBe('plain');
    expect(readablePullError(new Error(''))).toBe('unknown error');
  });

  it('the local-image event names the image, the pull error, the image id and the way back', () => {
    const m = localImageMessage('myapp', 'sha256:0123456789abcdef0123', 'no such host');
    expect(m).toContain('Pulling image "myapp" failed (no such host)');
    expect(m).toContain('(0123456789ab)');
    expect(m).toContain('--image-pull strict');
  });
});

describe('image pull mode settings', () => {
  it('parses the two modes and rejects anything else readably', () => {
    expect(parseImagePullMode('fallback')).toBe('fallback');
    expect(parseImagePullMode('strict')).toBe('strict');
    expect(() => parseImagePullMode('always', '--image-pull')).toThrow(
      '--image-pull must be fallback or strict, got "always"',
    );
    expect(() => parseImagePullMode(true, '--image-pull')).toThrow('got true');
  });

  it('desktop settings default to fallback and validate a change', () => {
    const s = defaultSettings();
    expect(s.imagePull).toBe('fallback');
    expect(validateSettingsPatch(s, { imagePull: 'strict' }).imagePull).toBe('strict');
    expect(() => validateSettingsPatch(s, { imagePull: 'sometimes' })).toThrow('imagePull must be');
  });
});
