/**
 * Standard 5-field cron schedules as Kubernetes CronJobs accept them (robfig/cron's
 * ParseStandard): `minute hour day-of-month month day-of-week`, with `*`, `?`, lists `a,b`,
 * ranges `a-b`, steps `*\/n` and `a-b/n`, month and weekday names, 7 = Sunday, and the macros
 * @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly. Times are evaluated in an IANA
 * time zone (CronJob spec.timeZone) through Intl, so no time-zone database ships with Skiff.
 */

/** A parsed schedule. */
export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  dom: Set<number>;
  months: Set<number>;
  dow: Set<number>;
  /** Day-of-month field was `*` or `?` (then only day-of-week restricts, and vice versa). */
  domStar: boolean;
  dowStar: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Thrown for an unparseable schedule; the message reads like robfig/cron's. */
export class CronError extends Error {}

function parseValue(v: string, names: string[] | undefined, base: number): number {
  if (names) {
    const i = names.indexOf(v.toLowerCase());
    if (i >= 0) return i + base;
  }
  if (!/^\d+$/.test(v)) throw new CronError(`failed to parse int from ${v}`);
  return Number(v);
}

function parseField(field: string, min: number, max: number, names?: string[], nameBase = 0): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    if (!part) throw new CronError(`empty field part in "${field}"`);
    const [rangePart, stepPart, extra] = part.split('/');
    if (extra !== undefined) throw new CronError(`too many slashes: ${part}`);
    let lo: number;
    let hi: number;
    if (rangePart === '*' || rangePart === '?') {
      lo = min;
      hi = max;
    } else {
      const [a, b, more] = rangePart.split('-');
      if (more !== undefined) throw new CronError(`too many hyphens: ${part}`);
      lo = parseValue(a, names, nameBase);
      hi = b === undefined ? lo : parseValue(b, names, nameBase);
      // `a/n` means a through max, step n.
      if (b === undefined && stepPart !== undefined) hi = max;
    }
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart)) throw new CronError(`failed to parse int from ${stepPart}`);
      step = Number(stepPart);
      if (step === 0) throw new CronError(`step of range should be a positive number: ${part}`);
    }
    if (lo < min) throw new CronError(`beginning of range (${lo}) below minimum (${min}): ${part}`);
    if (hi > max) throw new CronError(`end of range (${hi}) above maximum (${max}): ${part}`);
    if (lo > hi) throw new CronError(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Parses a schedule; throws CronError. */
export function parseCron(spec: string): CronSchedule {
  let s = spec.trim();
  if (/^(TZ|CRON_TZ)=/.test(s))
    throw new CronError('CRON_TZ or TZ used in schedule is not supported; use spec.timeZone');
  if (s.startsWith('@')) {
    const m = MACROS[s.toLowerCase()];
    if (!m) throw new CronError(`unrecognized descriptor: ${s}`);
    s = m;
  }
  const f = s.split(/\s+/);
  if (f.length !== 5) throw new CronError(`expected exactly 5 fields, found ${f.length}: [${f.join(' ')}]`);
  const dow = parseField(f[4], 0, 7, DAYS);
  if (dow.has(7)) {
    dow.delete(7);
    dow.add(0);
  }
  return {
    minutes: parseField(f[0], 0, 59),
    hours: parseField(f[1], 0, 23),
    dom: parseField(f[2], 1, 31),
    months: parseField(f[3], 1, 12, MONTHS, 1),
    dow,
    domStar: f[2] === '*' || f[2] === '?' || f[2].startsWith('*/') || f[2].startsWith('?/'),
    dowStar: f[4] === '*' || f[4] === '?' || f[4].startsWith('*/') || f[4].startsWith('?/'),
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws RangeError for a time zone Intl does not know. */
export function checkTimeZone(tz: string): void {
  formatter(tz);
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall-clock time at `instant` in `tz`, as ms "as if UTC". */
export function toWall(instant: number, tz: string): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return instant;
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(instant)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const ms = instant - Math.floor(instant / 1000) * 1000;
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second) + ms;
}

/** The instant at which `tz` shows wall time `wall` (the later offset wins in a DST overlap). */
function fromWall(wall: number, tz: string): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return wall;
  let guess = wall - (toWall(wall, tz) - wall);
  guess = wall - (toWall(guess, tz) - guess);
  return guess;
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const domOk = s.dom.has(d.getUTCDate());
  const dowOk = s.dow.has(d.getUTCDay());
  // robfig/cron: when either field is unrestricted (starts with *), both must match; otherwise either.
  if (s.domStar || s.dowStar) return domOk && dowOk;
  return domOk || dowOk;
}

/**
 * The first activation strictly after `after` (ms), in time zone `tz` (default UTC); undefined
 * if none within five years (e.g. `0 0 30 2 *`).
 */
export function nextActivation(s: CronSchedule, after: number, tz = 'UTC'): number | undefined {
  let wall = Math.floor(toWall(after, tz) / 60_000) * 60_000 + 60_000;
  const limit = wall + 5 * 366 * 86_400_000;
  while (wall < limit) {
    const d = new Date(wall);
    const y = d.getUTCFullYear();
    const mo = d.getUTCMonth();
    const day = d.getUTCDate();
    const h = d.getUTCHours();
    if (!s.months.has(mo + 1)) {
      wall = Date.UTC(y, mo + 1, 1);
      continue;
    }
    if (!dayMatches(s, d)) {
      wall = Date.UTC(y, mo, day + 1);
      continue;
    }
    if (!s.hours.has(h)) {
      wall = Date.UTC(y, mo, day, h + 1);
      continue;
    }
    if (!s.minutes.has(d.getUTCMinutes())) {
      wall += 60_000;
      continue;
    }
    const instant = fromWall(wall, tz);
    // A wall time skipped by a DST jump maps back before `after`, or to another wall time.
    if (instant <= after || Math.floor(toWall(instant, tz) / 60_000) * 60_000 !== wall) {
      wall += 60_000;
      continue;
    }
    return instant;
  }
  return undefined;
}
