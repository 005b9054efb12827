/**
 * Docker availability for integration tests: locally a missing engine skips the suite, but in
 * CI (any truthy CI) it is a failure — Docker-backed tests must never silently skip there.
 */
import { execFileSync } from 'node:child_process';
import { needTool } from './skips';

export function dockerAvailable(): boolean {
  let ok = true;
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 10_000 });
  } catch {
    ok = false;
  }
  return needTool(ok, 'the Docker engine is not reachable (`docker info` failed)');
}

/** Runs `docker` and returns stdout. */
export function docker(...args: string[]): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
}

/** IDs of containers labelled for a pod namespace (all states). */
export function podContainers(filter: string): string[] {
  return docker('ps', '-aq', '--no-trunc', '--filter', filter)
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .sort();
}
