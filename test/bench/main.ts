/**
 * Entry of `npm run bench -- <suite>` (bundled by resources/bin/bench.js). Whatever happens the
 * last line is one JSON object: the figures, or `{"bench":…,"error":…}` with a non-zero exit
 * when the bench could not measure (the error also goes to stderr as one readable line).
 */
import { runApiBench } from './api-bench';
import { runStartupBench } from './startup-bench';
import { BenchError } from './bench-error';
import { runProxyBench } from './proxy-bench';
import { runStoreBench } from './store-bench';
import { runUiBench } from './ui-bench';

const SUITES: Record<string, () => Promise<Record<string, number>>> = {
  api: () => runApiBench(),
  startup: () => runStartupBench(),
  proxy: () => runProxyBench(),
  store: () => runStoreBench(),
  ui: () => runUiBench(),
};

const name = process.argv[2] ?? 'api';
const suite = SUITES[name];
if (!suite) {
  const error = `unknown benchmark "${name}"; available: ${Object.keys(SUITES).join(', ')}`;
  console.error(`bench: ${error}`);
  console.log(JSON.stringify({ bench: name, error }));
  process.exit(2);
}
try {
  const figures = await suite();
  // The last line is one JSON object with the figures.
  console.log(JSON.stringify({ bench: name, ...figures }));
  process.exit(0);
} catch (err) {
  const error = err instanceof Error ? err.message : String(err);
  // An unexpected failure keeps its stack for whoever debugs it, above the one-line summary.
  if (!(err instanceof BenchError) && err instanceof Error && err.stack) console.error(err.stack);
  console.error(`bench ${name}: cannot measure: ${error.split('\n')[0]}`);
  console.log(JSON.stringify({ bench: name, error }));
  process.exit(1);
}
