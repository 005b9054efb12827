import { describe, expect, it } from 'vitest';
import {
  formatLabelSelector,
  fromStructuredSelector,
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from '../../../src-main/control-plane/apiserver/selectors';

const m = (sel: string, labels?: Record<string, string>) =>
  matchesLabelSelector(parseLabelSelector(sel), labels);

describe('label selectors', () => {
  it('parses every operator', () => {
    expect(parseLabelSelector('a=1,b==2,c!=3,d in (x, y),e notin (z),f,!g,h>5,i<7')).toEqual([
      { key: 'a', op: 'in', values: ['1'] },
      { key: 'b', op: 'in', values: ['2'] },
      { key: 'c', op: 'notin', values: ['3'] },
      { key: 'd', op: 'in', values: ['x', 'y'] },
      { key: 'e', op: 'notin', values: ['z'] },
      { key: 'f', op: 'exists', values: [] },
      { key: 'g', op: '!', values: [] },
      { key: 'h', op: 'gt', values: ['5'] },
      { key: 'i', op: 'lt', values: ['7'] },
    ]);
    expect(parseLabelSelector('')).toEqual([]);
    expect(parseLabelSelector('app.kubernetes.io/name=web')[0].key).toBe('app.kubernetes.io/name');
  });

  it('matches with Kubernetes semantics', () => {
    const l = { app: 'web', tier: 'front', n: '10' };
    expect(m('app=web', l)).toBe(true);
    expect(m('app==web,tier=front', l)).toBe(true);
    expect(m('app=web,tier=back', l)).toBe(false);
    expect(m('app!=db', l)).toBe(true);
    expect(m('missing!=x', l)).toBe(true); // != matches objects without the label
    expect(m('app in (db,web)', l)).toBe(true);
    expect(m('app notin (web)', l)).toBe(false);
    expect(m('missing notin (web)', l)).toBe(true);
    expect(m('app', l)).toBe(true);
    expect(m('!app', l)).toBe(false);
    expect(m('!missing', l)).toBe(true);
    expect(m('n>5', l)).toBe(true);
    expect(m('n<5', l)).toBe(false);
    expect(m('app=web', undefined)).toBe(false);
    expect(m('', undefined)).toBe(true);
    expect(m('empty=', { empty: '' })).toBe(true);
    expect(m('empty=', { empty: 'x' })).toBe(false);
  });

  it('rejects bad selectors with a message naming the problem', () => {
    expect(() => parseLabelSelector('app in (a')).toThrow(SelectorError);
    expect(() => parseLabelSelector('app in ()')).toThrow(/values set can't be empty/);
    expect(() => parseLabelSelector('app=-bad-')).toThrow(/Invalid value: "-bad-"/);
    expect(() => parseLabelSelector('-x=1')).toThrow(/key: Invalid value: "-x"/);
    expect(() => parseLabelSelector('a b')).toThrow(/unable to parse requirement/);
    expect(() => parseLabelSelector('a=1,')).toThrow(SelectorError);
    expect(() => parseLabelSelector('n>x')).toThrow(/integer/);
  });

  it('converts structured selectors and formats them back', () => {
    const reqs = fromStructuredSelector({
      matchLabels: { app: 'api' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    expect(matchesLabelSelector(reqs, { app: 'api', tier: 'a' })).toBe(true);
    expect(matchesLabelSelector(reqs, { app: 'api', tier: 'a', canary: '1' })).toBe(false);
    expect(formatLabelSelector(reqs)).toBe('app=api,!canary,tier in (a,b)');
    expect(formatLabelSelector(fromStructuredSelector({ matchLabels: { app: 'api' } }))).toBe('app=api');
    expect(() => fromStructuredSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] })).toThrow(
      SelectorError,
    );
  });
});

describe('field selectors', () => {
  it('parses =, ==, != in any order, empty values and values with colons', () => {
    expect(
      parseFieldSelector(
        'involvedObject.name=node-1,involvedObject.namespace=,status.phase!=Failed,a==b:c:d',
      ),
    ).toEqual([
      { field: 'involvedObject.name', op: '=', value: 'node-1' },
      { field: 'involvedObject.namespace', op: '=', value: '' },
      { field: 'status.phase', op: '!=', value: 'Failed' },
      { field: 'a', op: '=', value: 'b:c:d' },
    ]);
    expect(parseFieldSelector('a=x\\,y')).toEqual([{ field: 'a', op: '=', value: 'x,y' }]);
  });

  it('matches, treating missing fields as empty', () => {
    const f = { 'metadata.name': 'p', 'spec.nodeName': 'n1', 'status.phase': 'Running' };
    const ok = (s: string) => matchesFieldSelector(parseFieldSelector(s), f);
    expect(ok('spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed')).toBe(true);
    expect(ok('status.phase!=Running')).toBe(false);
    expect(ok('involvedObject.namespace=')).toBe(true);
    expect(ok('metadata.name=q')).toBe(false);
  });

  it('rejects terms without an operator', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(/invalid selector/);
    expect(() => parseFieldSelector('=x')).toThrow(SelectorError);
  });
});
