/** Parses `--name value` / `--name=value` / `--flag` command-line options. */
export function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[a.slice(2)] = argv[++i];
      else flags[a.slice(2)] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

/** A port flag as a number, with a readable error. */
export function portFlag(v: string | true | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`--${name} must be a port number (0-65535), got ${String(v)}`);
  return n;
}

/** A non-negative integer flag (a count), with a readable error; `max` bounds it. */
export function countFlag(v: string | true | undefined, name: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < 0 || n > max)
    throw new Error(`--${name} must be a whole number from 0 to ${max}, got ${String(v)}`);
  return n;
}

/** `--stats-interval S`: the kubelet's sampling period in milliseconds (1-60 s), with a readable error. */
export function statsIntervalFlag(v: string | true | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < 1 || n > 60)
    throw new Error(`--stats-interval must be a number of seconds between 1 and 60, got ${String(v)}`);
  return Math.round(n * 1000);
}
