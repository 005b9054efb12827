/**
 * One interactive exec session (`pods/NAME/exec`, tty) over the API server's WebSocket: the
 * token rides in the `base64url.bearer.authorization.k8s.io.` subprotocol next to
 * `v5.channel.k8s.io` and `v4.channel.k8s.io` — the server picks the best it speaks, so a v4
 * server is used as v4 (no close channel). Output goes to the caller's sink (the terminal);
 * the session's end is read from the error channel's Status.
 */
import { onScopeDispose, ref, shallowRef } from 'vue';
import { bearerProtocol } from '@common/client';
import { useConnectionStore } from '../stores/connection';
import {
  CHANNEL,
  EXEC_PROTOCOLS,
  binaryStringBytes,
  decodeFrame,
  execPath,
  isMissingExecutable,
  parseExecStatus,
  resizeFrame,
  socketUrl,
  stdinFrame,
  type ExecOutcome,
} from '../models/exec-channel';

/**
 * - `idle`: no session yet.
 * - `connecting`: the WebSocket handshake (and the kubelet's exec start) is in flight.
 * - `open`: the process runs; keystrokes go to it.
 * - `ended`: the process exited (`exitCode`) or the connection closed (`message`).
 * - `refused`: the exec never ran: the upgrade was refused, or the command is not in the image
 *   (`missingCommand`).
 */
export type ExecPhase = 'idle' | 'connecting' | 'open' | 'ended' | 'refused';

/** What the session is opened on. */
export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
}

/** Output bytes (UTF-8, possibly split mid-character: xterm's write takes care of that). */
export type ExecSink = (bytes: Uint8Array) => void;

/** How much recent output is kept to recognise the runtime's "executable not found". */
const TAIL_CHARS = 2048;

export function usePodExec() {
  const conn = useConnectionStore();
  const phase = ref<ExecPhase>('idle');
  /** The process's exit code once it ended normally. */
  const exitCode = ref<number | undefined>(undefined);
  /** Why the session ended or never ran, in words (the server's Status message when it sent one). */
  const message = ref<string | null>(null);
  /** The command is not in the image (no /bin/sh…): the panel offers Debug. */
  const missingCommand = ref(false);
  /** The subprotocol the server chose. */
  const protocol = ref<string>('');
  /** The target of the current or last session (for Reconnect and messages). */
  const target = shallowRef<ExecTarget | undefined>(undefined);
  let ws: WebSocket | undefined;
  let size: { cols: number; rows: number } | undefined;

  function send(frame: Uint8Array): void {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(frame);
  }

  /** Opens a session; an open one is closed first. `cols`×`rows` is sent as soon as it opens. */
  function connect(t: ExecTarget, sink: ExecSink, initialSize?: { cols: number; rows: number }): void {
    disconnect();
    target.value = t;
    size = initialSize;
    phase.value = 'connecting';
    exitCode.value = undefined;
    message.value = null;
    missingCommand.value = false;
    protocol.value = '';
    let url: string;
    try {
      url = socketUrl(
        conn.baseUrl,
        window.location.origin,
        execPath(t.namespace, t.pod, t.container, t.command),
      );
    } catch (err) {
      phase.value = 'refused';
      message.value = (err as Error).message;
      return;
    }
    const protocols: string[] = [...EXEC_PROTOCOLS];
    if (conn.token) protocols.push(bearerProtocol(conn.token));
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, protocols);
    } catch (err) {
      phase.value = 'refused';
      message.value = `Cannot open the exec WebSocket: ${(err as Error).message}`;
      return;
    }
    ws = socket;
    socket.binaryType = 'arraybuffer';
    const decoder = new TextDecoder();
    let tail = '';
    let outcome: ExecOutcome | undefined;
    let sawOutput = false;
    const current = () => ws === socket;

    socket.onopen = () => {
      if (!current()) return;
      protocol.value = socket.protocol;
      phase.value = 'open';
      if (size) send(resizeFrame(size.cols, size.rows));
    };
    socket.onmessage = (ev: MessageEvent) => {
      if (!current() || typeof ev.data === 'string') return;
      const f = decodeFrame(ev.data as ArrayBuffer);
      if (!f) return;
      if (f.channel === CHANNEL.stdout || f.channel === CHANNEL.stderr) {
        sawOutput = true;
        tail = (tail + decoder.decode(f.payload, { stream: true })).slice(-TAIL_CHARS);
        sink(f.payload);
      } else if (f.channel === CHANNEL.error) {
        outcome = parseExecStatus(new TextDecoder().decode(f.payload));
      }
    };
    socket.onclose = (ev: CloseEvent) => {
      if (!current()) return;
      ws = undefined;
      const opened = phase.value !== 'connecting';
      if (!opened) {
        phase.value = 'refused';
        message.value = `The API server refused the exec into ${t.container} (the WebSocket closed before it opened, code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}).`;
        return;
      }
      if (isMissingExecutable(outcome, tail)) {
        phase.value = 'refused';
        missingCommand.value = true;
        message.value = `${t.command[0]} is not in this container's image, so no shell can start${
          outcome?.kind === 'failed' ? ` (${outcome.message})` : ''
        }.`;
        return;
      }
      phase.value = 'ended';
      if (outcome?.kind === 'exited') exitCode.value = outcome.exitCode;
      else if (outcome?.kind === 'failed') message.value = outcome.message;
      else
        message.value = `connection closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''})${
          sawOutput ? '' : ' before the process said anything'
        }`;
    };
  }

  /** Keyboard input (xterm's onData). */
  function input(data: string): void {
    send(stdinFrame(data));
  }

  /** Raw bytes (xterm's onBinary: mouse reports). */
  function inputBinary(data: string): void {
    send(stdinFrame(binaryStringBytes(data)));
  }

  /** The terminal's size changed (after a fit): the tty follows. */
  function resize(cols: number, rows: number): void {
    if (cols < 1 || rows < 1) return;
    if (size && size.cols === cols && size.rows === rows) return;
    size = { cols, rows };
    send(resizeFrame(cols, rows));
  }

  /** Ends the session from this side (the process gets a hangup when the stream closes). */
  function disconnect(): void {
    const s = ws;
    ws = undefined;
    if (s && (s.readyState === WebSocket.OPEN || s.readyState === WebSocket.CONNECTING)) {
      s.close(1000);
      if (phase.value === 'open' || phase.value === 'connecting') {
        phase.value = 'ended';
        message.value = 'disconnected';
      }
    }
  }

  onScopeDispose(disconnect);

  return {
    phase,
    exitCode,
    message,
    missingCommand,
    protocol,
    target,
    connect,
    input,
    inputBinary,
    resize,
    disconnect,
  };
}
