// Go's strconv.ParseBool for boolean query parameters, shared by the API server and the kubelet; pure TS, imports nothing.

/** The spellings strconv.ParseBool accepts, and what they mean. */
export const BOOL_SPELLINGS: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

/** `true`/`false` for a spelling strconv.ParseBool accepts, undefined for anything else ('' included). */
export function parseBool(value: string): boolean | undefined {
  return Object.hasOwn(BOOL_SPELLINGS, value) ? BOOL_SPELLINGS[value] : undefined;
}

/** A boolean query parameter that is not one of BOOL_SPELLINGS; servers answer it with a 400. */
export class InvalidBoolError extends Error {
  constructor(
    readonly param: string,
    readonly value: string,
  ) {
    super(
      `invalid value for query parameter ${param}: ${JSON.stringify(value)} is not a boolean (strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax)`,
    );
    this.name = 'InvalidBoolError';
  }
}

/** A boolean query parameter: false when absent, InvalidBoolError when malformed. */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  const b = parseBool(v);
  if (b === undefined) throw new InvalidBoolError(name, v);
  return b;
}
