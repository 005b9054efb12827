/**
 * The browser side of Kubernetes' remote command WebSocket protocol (pods/exec), as kubectl's
 * `wsstream` client speaks it: binary frames of one channel byte then the payload — 0 stdin,
 * 1 stdout, 2 stderr, 3 error (a metav1.Status once the process ends), 4 resize (a JSON
 * `{"Width","Height"}`), and in v5 255 "close" (payload: the channel being closed). Pure
 * functions over bytes and JSON, so the shell panel's composable only moves frames.
 */
import type { Pod } from './kube';

/** Subprotocols offered, best first: v5 adds the close channel; v4 has the same framing. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
export type ExecProtocol = (typeof EXEC_PROTOCOLS)[number];

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

const encoder = new TextEncoder();

function frame(channel: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = channel;
  out.set(payload, 1);
  return out;
}

/** Keyboard input for the process: UTF-8 text, or bytes as they are. */
export function stdinFrame(data: string | Uint8Array): Uint8Array {
  return frame(CHANNEL.stdin, typeof data === 'string' ? encoder.encode(data) : data);
}

/**
 * xterm's binary input (`onBinary`: mouse reports with bytes above 127) is a string whose
 * characters each stand for one byte; it must not be UTF-8 encoded.
 */
export function binaryStringBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** The terminal size, in character cells (TerminalSize in remotecommand). */
export function resizeFrame(cols: number, rows: number): Uint8Array {
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1)
    throw new RangeError(`terminal size must be positive whole cells, got ${cols}×${rows}`);
  return frame(CHANNEL.resize, encoder.encode(JSON.stringify({ Width: cols, Height: rows })));
}

/** v5 only: end of input (the process reads EOF on stdin). */
export function closeStdinFrame(): Uint8Array {
  return Uint8Array.of(CHANNEL.close, CHANNEL.stdin);
}

/** One received message split into its channel and payload; undefined for an empty frame. */
export function decodeFrame(
  data: ArrayBuffer | Uint8Array,
): { channel: number; payload: Uint8Array } | undefined {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (!bytes.length) return undefined;
  return { channel: bytes[0]!, payload: bytes.subarray(1) };
}

/** How the process ended, from the error channel. */
export type ExecOutcome = { kind: 'exited'; exitCode: number } | { kind: 'failed'; message: string };

/**
 * Reads the error channel's payload: a Status in v4+ (`Success` → exit 0, `NonZeroExitCode`
 * with the code in `details.causes[reason=ExitCode]`), anything else is a failure whose text
 * is shown as is — as kubectl's `errorDecoderV4` does.
 */
export function parseExecStatus(text: string): ExecOutcome {
  let status: {
    status?: string;
    reason?: string;
    message?: string;
    details?: { causes?: { reason?: string; message?: string }[] };
  };
  try {
    status = JSON.parse(text) as typeof status;
  } catch {
    return { kind: 'failed', message: text.trim() || 'the exec failed without a message' };
  }
  if (status.status === 'Success') return { kind: 'exited', exitCode: 0 };
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return { kind: 'exited', exitCode: code };
  }
  return { kind: 'failed', message: status.message || text.trim() };
}

/**
 * True when the output or the failure says the command's executable is not in the image —
 * Docker's "executable file not found in $PATH" / "stat /bin/sh: no such file or directory",
 * containerd's and CRI-O's "no such file or directory", with exit codes 126/127 (sh's "not
 * found" and "cannot execute"). Then the panel offers Debug instead of a bare exit code.
 */
export function isMissingExecutable(outcome: ExecOutcome | undefined, output: string): boolean {
  const text = `${output}\n${outcome?.kind === 'failed' ? outcome.message : ''}`;
  const said = /executable file not found|no such file or directory|not found in \$PATH/i.test(text);
  if (outcome?.kind === 'exited') return said && (outcome.exitCode === 126 || outcome.exitCode === 127);
  return said;
}

/**
 * Splits a command line the way a user means it, without a shell: words separated by blanks,
 * '…' and "…" group (backslash escapes inside double quotes and outside quotes). Throws on an
 * unterminated quote, so a typo is said instead of exec'ing something else.
 */
export function parseCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
      continue;
    }
    if (ch === '\\' && i + 1 < line.length && (quote !== '"' || /["\\$`]/.test(line[i + 1]!))) {
      word += line[++i];
      inWord = true;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in the command`);
  if (inWord) words.push(word);
  return words;
}

/** `/api/v1/namespaces/NS/pods/NAME/exec?…` for an interactive tty session. */
export function execPath(
  namespace: string,
  pod: string,
  container: string,
  command: readonly string[],
): string {
  if (!command.length) throw new Error('the command is empty');
  const q = new URLSearchParams({ container, stdin: 'true', stdout: 'true', tty: 'true' });
  for (const c of command) q.append('command', c);
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec?${q}`;
}

/** The WebSocket URL of an API path: the base URL's origin as ws(s), or this page's behind the proxy. */
export function socketUrl(baseUrl: string, pageOrigin: string, path: string): string {
  const base = baseUrl || pageOrigin;
  if (!/^https?:\/\//.test(base))
    throw new Error(`no http(s) base URL to open a WebSocket from (${base || 'empty'})`);
  return base.replace(/\/$/, '').replace(/^http/, 'ws') + path;
}

/** A container a shell can be opened in, as the picker lists it. */
export interface ShellTarget {
  name: string;
  kind: 'container' | 'ephemeral';
  image: string;
  running: boolean;
  /** Why it is not running ("waiting: ContainerCreating", "terminated: Completed"), for the picker. */
  state: string;
}

/** App and ephemeral containers of a pod with their state (init containers are done or blocking). */
export function shellTargets(pod: Pod): ShellTarget[] {
  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ];
  const stateOf = (name: string) => {
    const s = statuses.find((x) => x.name === name)?.state;
    if (s?.running) return { running: true, state: 'running' };
    if (s?.terminated) return { running: false, state: `terminated: ${s.terminated.reason ?? 'exited'}` };
    if (s?.waiting) return { running: false, state: `waiting: ${s.waiting.reason ?? 'starting'}` };
    return { running: false, state: 'not started' };
  };
  return [
    ...(pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      kind: 'container' as const,
      image: c.image ?? '',
      ...stateOf(c.name),
    })),
    ...(pod.spec?.ephemeralContainers ?? []).map((c) => ({
      name: c.name,
      kind: 'ephemeral' as const,
      image: c.image ?? '',
      ...stateOf(c.name),
    })),
  ];
}
