/** Entry of `npm run bench -- <suite>` (bundled by resources/bin/bench.js). */
import { runApiBench } from './api-bench';
import { runStartupBench } from './startup-bench';
import { runProxyBench } from './proxy-bench';

const SUITES: Record<string, () => Promise<Record<string, number>>> = {
  api: () => runApiBench(),
  startup: () => runStartupBench(),
  proxy: () => runProxyBench(),
};

const name = process.argv[2] ?? 'api';
const suite = SUITES[name];
if (!suite) {
  console.error(`unknown benchmark "${name}"; available: ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}
const figures = await suite();
// The last line is one JSON object with the figures.
console.log(JSON.stringify({ bench: name, ...figures }));
process.exit(0);
