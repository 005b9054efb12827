/**
 * The protobuf request decoder (protobuf/decode.ts): the schema is closed and well-formed, the
 * JSON mapping follows kube's conventions (pointers keep zero values, Time → RFC 3339,
 * IntOrString, Quantity, bytes → base64, empty strings and messages dropped), and malformed
 * input is a 400 that names the problem. Bodies are built with a small encoder below.
 */
import { describe, expect, it } from 'vitest';
import { decodeProtobuf, messageFor } from '../../../src-main/control-plane/apiserver/protobuf/decode';
import { MESSAGES } from '../../../src-main/control-plane/apiserver/protobuf/schema';
import { StatusError } from '../../../src-main/control-plane/apiserver/status';
import { envelope, type Field } from './protobuf-helpers';

const meta = (name: string): Field => [
  1,
  [
    [1, name],
    [2, ''],
    [3, ''],
    [7, 0],
    [
      8,
      [
        [1, 0],
        [2, 0],
      ],
    ], // zero Time → dropped
  ],
];

function badRequest(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StatusError);
    return err as StatusError;
  }
  throw new Error('expected an error');
}

describe('protobuf schema', () => {
  it('every referenced message exists and every field spec parses', () => {
    const types = /^(s|b|i|f|B|T|D|Q|I|R|map<(s|b|i|B|T|Q|I|@[\w.]+)>|@[\w.]+)[*?]?$/;
    for (const [name, src] of Object.entries(MESSAGES)) {
      const nums = new Set<number>();
      for (const part of src.split('; ')) {
        const [num, field, type] = part.split(' ');
        expect(Number.isInteger(Number(num)), `${name}: ${part}`).toBe(true);
        expect(nums.has(Number(num)), `${name}: duplicate field ${num}`).toBe(false);
        nums.add(Number(num));
        expect(field, `${name}: ${part}`).toMatch(/^(\w+|\^)$/);
        expect(type, `${name}: ${part}`).toMatch(types);
        const ref = /@([\w.]+)/.exec(type);
        if (ref) expect(MESSAGES[ref[1]], `${name}.${field} → ${ref[1]}`).toBeDefined();
      }
    }
  });

  it('covers the kinds kubectl create / autoscale / auth send', () => {
    for (const [v, k] of [
      ['v1', 'Namespace'],
      ['v1', 'ConfigMap'],
      ['v1', 'Secret'],
      ['v1', 'Service'],
      ['v1', 'ServiceAccount'],
      ['v1', 'ResourceQuota'],
      ['apps/v1', 'Deployment'],
      ['batch/v1', 'Job'],
      ['batch/v1', 'CronJob'],
      ['autoscaling/v1', 'HorizontalPodAutoscaler'],
      ['autoscaling/v2', 'HorizontalPodAutoscaler'],
      ['scheduling.k8s.io/v1', 'PriorityClass'],
      ['policy/v1', 'PodDisruptionBudget'],
      ['networking.k8s.io/v1', 'Ingress'],
      ['authorization.k8s.io/v1', 'SelfSubjectAccessReview'],
      ['authorization.k8s.io/v1', 'SelfSubjectRulesReview'],
      ['authentication.k8s.io/v1', 'SelfSubjectReview'],
    ])
      expect(messageFor(v, k), `${v} ${k}`).toBeDefined();
  });
});

describe('decodeProtobuf', () => {
  it('maps a Deployment like a JSON client would send it', () => {
    const container: Field[] = [
      [1, 'app'],
      [2, 'skiff-test/busybox:1'],
      [3, 'sleep'],
      [3, '3600'],
      [
        6,
        [
          [1, ''],
          [2, 0],
          [3, 8080],
          [4, 'TCP'],
        ],
      ], // ContainerPort: hostPort 0 dropped
      [8, []], // ResourceRequirements, empty → dropped
      [16, false],
    ];
    const obj = decodeProtobuf(
      envelope('apps/v1', 'Deployment', [
        [
          1,
          [
            [1, 'd'],
            [
              11,
              [
                [1, 'app'],
                [2, 'd'],
              ],
            ],
            [
              8,
              [
                [1, 1700000000],
                [2, 500000000],
              ],
            ],
          ],
        ],
        [
          2,
          [
            [1, 0], // replicas is a pointer: 0 is kept
            [
              2,
              [
                [
                  1,
                  [
                    [1, 'app'],
                    [2, 'd'],
                  ],
                ],
              ],
            ],
            [
              3,
              [
                [
                  1,
                  [
                    [
                      11,
                      [
                        [1, 'app'],
                        [2, 'd'],
                      ],
                    ],
                  ],
                ],
                [2, [[2, container]]],
              ],
            ],
            [4, [[1, '']]], // empty strategy → dropped
            [5, 0],
          ],
        ],
        [3, [[1, 0]]], // empty status → dropped
      ]),
    );
    expect(obj).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { app: 'd' }, creationTimestamp: '2023-11-14T22:13:20.5Z' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'd' } },
        template: {
          metadata: { labels: { app: 'd' } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'skiff-test/busybox:1',
                command: ['sleep', '3600'],
                ports: [{ containerPort: 8080, protocol: 'TCP' }],
              },
            ],
          },
        },
      },
    });
  });

  it('IntOrString, Quantity, bytes, empty map values and negative numbers', () => {
    const svc = decodeProtobuf(
      envelope('v1', 'Service', [
        meta('s'),
        [
          2,
          [
            [
              1,
              [
                [1, 'http'],
                [3, 80],
                [
                  4,
                  [
                    [1, 1],
                    [2, 0],
                    [3, 'web'],
                  ],
                ],
              ],
            ],
            [
              1,
              [
                [1, 'alt'],
                [3, 81],
                [
                  4,
                  [
                    [1, 0],
                    [2, 8081],
                    [3, ''],
                  ],
                ],
              ],
            ],
          ],
        ],
      ]),
    );
    expect((svc.spec as any).ports).toEqual([
      { name: 'http', port: 80, targetPort: 'web' },
      { name: 'alt', port: 81, targetPort: 8081 },
    ]);
    const q = decodeProtobuf(
      envelope('v1', 'ResourceQuota', [
        meta('q'),
        [
          2,
          [
            [
              1,
              [
                [1, 'pods'],
                [2, [[1, '10']]],
              ],
            ],
          ],
        ],
      ]),
    );
    expect(q.spec).toEqual({ hard: { pods: '10' } });
    const sec = decodeProtobuf(
      envelope('v1', 'Secret', [
        meta('s'),
        [
          2,
          [
            [1, 'k'],
            [2, Buffer.from([0, 1, 255])],
          ],
        ],
        [
          2,
          [
            [1, 'empty'],
            [2, Buffer.alloc(0)],
          ],
        ],
        [3, 'Opaque'],
      ]),
    );
    expect(sec).toMatchObject({ data: { k: 'AAH/', empty: '' }, type: 'Opaque' });
    const pc = decodeProtobuf(envelope('scheduling.k8s.io/v1', 'PriorityClass', [meta('p'), [2, -5n]]));
    expect(pc.value).toBe(-5);
  });

  it('keeps an explicitly empty pointer struct (emptyDir: {})', () => {
    const p = decodeProtobuf(
      envelope('v1', 'Pod', [
        meta('p'),
        [
          2,
          [
            [
              1,
              [
                [1, 'scratch'],
                [2, [[2, []]]],
              ],
            ],
          ],
        ],
      ]),
    );
    expect((p.spec as any).volumes).toEqual([{ name: 'scratch', emptyDir: {} }]);
  });

  it('ignores unknown fields holding zero values; refuses unknown data', () => {
    const ok = decodeProtobuf(
      envelope('v1', 'Namespace', [
        meta('n'),
        [99, 0],
        [
          98,
          [
            [1, 0],
            [2, ''],
          ],
        ],
      ]),
    );
    expect(ok).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
    const e = badRequest(() => decodeProtobuf(envelope('v1', 'Namespace', [meta('n'), [99, 'surprise']])));
    expect(e.code).toBe(400);
    expect(e.message).toContain('field 99 of core.Namespace is not supported');
  });

  it('malformed bodies are 400s naming the problem', () => {
    expect(badRequest(() => decodeProtobuf(Buffer.from('{"kind":"Pod"}'))).message).toContain(
      'does not start with the Kubernetes protobuf magic',
    );
    const truncated = envelope('v1', 'Namespace', [meta('a-long-name')]).subarray(0, -3);
    const t = badRequest(() => decodeProtobuf(truncated));
    expect(t.code).toBe(400);
    expect(t.message).toMatch(/couldn't decode the request body as protobuf/);
    expect(badRequest(() => decodeProtobuf(envelope('', '', []))).message).toContain('no apiVersion/kind');
    const wrongWire = badRequest(() => decodeProtobuf(envelope('v1', 'Namespace', [[1, [[1, 7]]]])));
    expect(wrongWire.message).toContain('name: expected wire type length-delimited, got varint');
    const unknownKind = badRequest(() => decodeProtobuf(envelope('example.com/v1', 'Widget', [])));
    expect(unknownKind.code).toBe(415);
    // Deep nesting (here inside an unknown field) is bounded, not a stack overflow.
    let deep: Field[] = [[1, 0]];
    for (let i = 0; i < 500; i++) deep = [[1, deep]];
    const d = badRequest(() => decodeProtobuf(envelope('v1', 'ConfigMap', [meta('c'), [99, deep]])));
    expect(d.code).toBe(400);
    expect(d.message).toContain('field 99 of core.ConfigMap is not supported');
  });
});
