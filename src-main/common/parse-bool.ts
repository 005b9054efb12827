// Boolean query parameters as kube-apiserver reads them (apimachinery's Convert_Slice_string_To_bool), shared by the API server and the kubelet; pure TS, imports nothing.

/**
 * A boolean query value: only `0` and `false` (any case) are false — everything else is true,
 * the empty string included (`?watch=`), exactly as apimachinery's query-parameter conversion
 * decides. So the Python client's `True`/`False`, Go's `t`/`1` and curl's `?watch=1` all work,
 * and no value is refused.
 */
export function parseBool(value: string): boolean {
  return !(value === '0' || value.toLowerCase() === 'false');
}

/** A boolean query parameter: false when absent, else parseBool of its first value. */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && parseBool(v);
}
