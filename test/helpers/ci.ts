/**
 * The one reading of the CI variable: any truthy value (`CI=true`, `CI=1`, `CI=yes`…) counts;
 * unset, empty, `0`, `false`, `no` and `off` do not. In CI a missing Docker, kubectl or
 * Chromium fails the suite instead of skipping it.
 */
export function isCi(env: Record<string, string | undefined> = process.env): boolean {
  const v = (env.CI ?? '').trim().toLowerCase();
  return v !== '' && !['0', 'false', 'no', 'off'].includes(v);
}
