import { describe, expect, it } from 'vitest';
import { CronError, nextActivation, parseCron } from '../../../src-main/common/cron';

const at = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function next(spec: string, after: string, tz?: string, n = 1): (string | undefined)[] {
  const s = parseCron(spec);
  const out: (string | undefined)[] = [];
  let t = at(after);
  for (let i = 0; i < n; i++) {
    const x = nextActivation(s, t, tz);
    out.push(iso(x));
    if (x === undefined) break;
    t = x;
  }
  return out;
}

describe('cron schedules', () => {
  it('steps, ranges and lists', () => {
    expect(next('*/1 * * * *', '2026-01-01T12:00:30Z', undefined, 2)).toEqual([
      '2026-01-01T12:01:00.000Z',
      '2026-01-01T12:02:00.000Z',
    ]);
    expect(next('*/15 9-10 * * *', '2026-01-01T10:40:00Z', undefined, 3)).toEqual([
      '2026-01-01T10:45:00.000Z',
      '2026-01-02T09:00:00.000Z',
      '2026-01-02T09:15:00.000Z',
    ]);
    expect(next('5,35 */6 * * *', '2026-01-01T06:05:00Z', undefined, 2)).toEqual([
      '2026-01-01T06:35:00.000Z',
      '2026-01-01T12:05:00.000Z',
    ]);
    expect(next('10-20/5 0 * * *', '2026-01-01T00:00:00Z', undefined, 4)).toEqual([
      '2026-01-01T00:10:00.000Z',
      '2026-01-01T00:15:00.000Z',
      '2026-01-01T00:20:00.000Z',
      '2026-01-02T00:10:00.000Z',
    ]);
  });

  it('names, 7 = Sunday, macros, and the day-of-month OR day-of-week rule', () => {
    // 2026-01-01 is a Thursday.
    expect(next('0 8 * * mon-fri', '2026-01-02T09:00:00Z', undefined, 2)).toEqual([
      '2026-01-05T08:00:00.000Z',
      '2026-01-06T08:00:00.000Z',
    ]);
    expect(next('0 0 * * 7', '2026-01-01T00:00:00Z')).toEqual(['2026-01-04T00:00:00.000Z']);
    expect(next('0 0 1 FEB,mar *', '2026-01-01T00:00:00Z', undefined, 2)).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ]);
    expect(next('@hourly', '2026-01-01T12:00:00Z')).toEqual(['2026-01-01T13:00:00.000Z']);
    expect(next('@weekly', '2026-01-01T00:00:00Z')).toEqual(['2026-01-04T00:00:00.000Z']);
    expect(next('@yearly', '2026-01-01T00:00:00Z')).toEqual(['2027-01-01T00:00:00.000Z']);
    // Both restricted: the 13th OR a Friday.
    expect(next('0 0 13 * fri', '2026-01-01T00:00:00Z', undefined, 3)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-09T00:00:00.000Z',
      '2026-01-13T00:00:00.000Z',
    ]);
    // A schedule that never fires.
    expect(next('0 0 30 2 *', '2026-01-01T00:00:00Z')).toEqual([undefined]);
  });

  it('evaluates in a time zone, across daylight saving changes', () => {
    // 09:00 in New York is 14:00Z in winter and 13:00Z in summer (DST from 2026-03-08).
    expect(next('0 9 * * *', '2026-03-06T15:00:00Z', 'America/New_York', 3)).toEqual([
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
    // 02:30 does not exist on the spring-forward day in New York: that day is skipped.
    expect(next('30 2 * * *', '2026-03-07T12:00:00Z', 'America/New_York', 2)).toEqual([
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
    expect(next('0 0 * * *', '2026-01-01T00:00:00Z', 'Asia/Kolkata')).toEqual(['2026-01-01T18:30:00.000Z']);
  });

  it('rejects bad schedules with readable errors', () => {
    expect(() => parseCron('* * * *')).toThrow(CronError);
    expect(() => parseCron('* * * *')).toThrow('expected exactly 5 fields, found 4');
    expect(() => parseCron('61 * * * *')).toThrow('above maximum');
    expect(() => parseCron('*/0 * * * *')).toThrow('step of range should be a positive number');
    expect(() => parseCron('5-1 * * * *')).toThrow('beyond end of range');
    expect(() => parseCron('@every 5m')).toThrow('unrecognized descriptor');
    expect(() => parseCron('TZ=UTC * * * * *')).toThrow('use spec.timeZone');
    expect(() => parseCron('x * * * *')).toThrow('failed to parse int from x');
  });
});
