/**
 * A line diff (longest common subsequence) of two texts, for "what will apply change":
 * the live object against the server's dry-run result, both cleaned of server noise.
 */

/** One line of a diff. */
export interface DiffLine {
  op: ' ' | '+' | '-';
  text: string;
}

export function lineDiff(a: string, b: string): DiffLine[] {
  const x = a ? a.split('\n') : [];
  const y = b ? b.split('\n') : [];
  const n = x.length;
  const m = y.length;
  // Manifests are small (hundreds of lines): the O(n·m) table is fine.
  const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      dp[i][j] = x[i] === y[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ op: ' ', text: x[i] });
      i++;
      j++;
    } else if (dp[i + 1][j] >= dp[i][j + 1]) out.push({ op: '-', text: x[i++] });
    else out.push({ op: '+', text: y[j++] });
  }
  while (i < n) out.push({ op: '-', text: x[i++] });
  while (j < m) out.push({ op: '+', text: y[j++] });
  return out;
}

/** Keeps changed lines with `context` unchanged lines around them; gaps become one '…' line. */
export function compactDiff(lines: DiffLine[], context = 3): (DiffLine | { op: '…'; text: string })[] {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, i) => {
    if (l.op === ' ') return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  const out: (DiffLine | { op: '…'; text: string })[] = [];
  let skipped = 0;
  lines.forEach((l, i) => {
    if (keep[i]) {
      if (skipped) out.push({ op: '…', text: `${skipped} unchanged lines` });
      skipped = 0;
      out.push(l);
    } else skipped++;
  });
  if (skipped && out.length) out.push({ op: '…', text: `${skipped} unchanged lines` });
  return out;
}

/** Drops what the server manages (managedFields, uid, resourceVersion, timestamps, status). */
export function cleanForDiff(
  obj: Record<string, unknown> | null | undefined,
): Record<string, unknown> | null {
  if (!obj) return null;
  const { status: _s, ...rest } = obj;
  void _s;
  const meta = { ...((rest.metadata ?? {}) as Record<string, unknown>) };
  for (const k of ['managedFields', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink'])
    delete meta[k];
  const ann = meta.annotations as Record<string, string> | undefined;
  if (ann && 'kubectl.kubernetes.io/last-applied-configuration' in ann) {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _l, ...other } = ann;
    void _l;
    meta.annotations = Object.keys(other).length ? other : undefined;
    if (!meta.annotations) delete meta.annotations;
  }
  return { ...rest, metadata: meta };
}
