/**
 * The server side of Kubernetes' remote command protocols (exec and attach), as the kubelet
 * serves them: WebSocket `v5.channel.k8s.io` / `v4.channel.k8s.io` (and the older channel
 * protocols) and the SPDY/3.1 fallback with `X-Stream-Protocol-Version` v5…v1. Behaves like
 * k8s.io/apiserver's wsstream + kubelet/cri/streaming/remotecommand; see kubectl-wire.md (c).
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Logger } from '../../../common/logger';
import { queryBool } from '../../../common/parse-bool';
import type { StreamOptions, StreamSession } from '../runtime/runtime';
import { SpdyConnection, type SpdyStream } from './spdy';

/** WebSocket subprotocols we accept, best first. */
export const WS_REMOTE_COMMAND_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];
/** SPDY `X-Stream-Protocol-Version`s we accept, best first. */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];

const CH = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;
/** Pause the process output while this many WebSocket sends are unacknowledged. */
const MAX_PENDING_SENDS = 64;

/** Starts the exec or attach session once the client's streams are ready. */
export type SessionStarter = (opts: StreamOptions) => Promise<StreamSession>;

/** What the session ended with, as the error channel reports it. */
interface Outcome {
  exitCode?: number;
  error?: string;
}

/**
 * The query of an exec/attach request → which streams the client asked for. Booleans are read
 * as kube-apiserver reads them (only 0/false are false; common/parse-bool.ts). The old
 * parameter names (`input`, `output`, `error`) are what kube-apiserver itself sends kubelets.
 */
export function streamOptions(q: URLSearchParams): StreamOptions {
  const flag = (...names: string[]) => names.some((n) => queryBool(q, n));
  const tty = flag('tty');
  return {
    stdin: flag('stdin', 'input'),
    stdout: flag('stdout', 'output'),
    stderr: !tty && flag('stderr', 'error'),
    tty,
  };
}

function protocolVersion(p: string): number {
  const m = /^v(\d+)\.channel\.k8s\.io$/.exec(p);
  return m ? Number(m[1]) : 1;
}

/** The error channel payload: a metav1.Status for v4+, plain text (failures only) before. */
function statusPayload(version: number, out: Outcome, command: string[] | undefined): Buffer | undefined {
  if (version < 4) {
    if (out.error) return Buffer.from(out.error);
    if (out.exitCode) return Buffer.from(`command terminated with non-zero exit code: ${out.exitCode}`);
    return undefined;
  }
  if (out.error)
    return Buffer.from(
      JSON.stringify({
        metadata: {},
        status: 'Failure',
        message: out.error,
        reason: 'InternalError',
        code: 500,
      }),
    );
  if (out.exitCode)
    return Buffer.from(
      JSON.stringify({
        metadata: {},
        status: 'Failure',
        message: `command terminated with non-zero exit code: error executing command [${(command ?? []).join(' ')}], exit code ${out.exitCode}`,
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: String(out.exitCode) }] },
      }),
    );
  return Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' }));
}

/** Waits for both output streams to end and for the process result. */
async function outcomeOf(session: StreamSession): Promise<Outcome> {
  const ended = (s?: NodeJS.ReadableStream) =>
    new Promise<void>((resolve) => {
      if (!s || (s as unknown as { readableEnded: boolean }).readableEnded) return resolve();
      s.once('end', () => resolve());
      s.once('close', () => resolve());
    });
  await Promise.all([ended(session.stdout), ended(session.stderr)]);
  const { exitCode } = await session.done;
  return { exitCode };
}

function parseResize(json: string): { width: number; height: number } | undefined {
  try {
    const v = JSON.parse(json) as { Width?: number; Height?: number };
    if (typeof v.Width === 'number' && typeof v.Height === 'number' && v.Width > 0 && v.Height > 0)
      return { width: v.Width, height: v.Height };
  } catch {
    // A torn or foreign message: ignore, like the kubelet.
  }
  return undefined;
}

/** Serves one exec/attach over an accepted WebSocket with the negotiated subprotocol. */
export function serveRemoteCommandWebSocket(
  ws: WebSocket,
  protocol: string,
  opts: StreamOptions,
  command: string[] | undefined,
  start: SessionStarter,
  log: Logger,
): void {
  const version = protocolVersion(protocol);
  let session: StreamSession | undefined;
  const early: Buffer[] = [];
  let pending = 0;
  const paused = new Set<NodeJS.ReadableStream>();
  const send = (ch: number, data: Buffer, from?: NodeJS.ReadableStream, written?: () => void) => {
    if (ws.readyState !== ws.OPEN) return written?.();
    pending++;
    ws.send(Buffer.concat([Buffer.from([ch]), data]), { binary: true }, () => {
      written?.();
      pending--;
      if (pending < MAX_PENDING_SENDS / 2) {
        for (const s of paused) s.resume();
        paused.clear();
      }
    });
    if (from && pending >= MAX_PENDING_SENDS) {
      from.pause();
      paused.add(from);
    }
  };
  const onMessage = (data: Buffer) => {
    if (!session) {
      early.push(data);
      return;
    }
    if (!data.length) return;
    const ch = data[0]!;
    const payload = data.subarray(1);
    if (ch === CH.stdin && session.stdin && !session.stdin.writableEnded) session.stdin.write(payload);
    else if (ch === CH.resize && opts.tty) {
      const size = parseResize(payload.toString('utf8'));
      if (size) session.resize(size.width, size.height).catch(() => undefined);
    } else if (ch === CH.close && version >= 5 && payload[0] === CH.stdin) session.stdin?.end();
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    // base64.channel.k8s.io is not offered; text frames carry nothing we understand.
    if (isBinary || Buffer.isBuffer(data)) onMessage(data);
  });
  ws.on('close', () => session?.close());
  ws.on('error', () => session?.close());

  void (async () => {
    let out: Outcome;
    try {
      session = await start(opts);
      if (ws.readyState !== ws.OPEN) {
        session.close();
        return;
      }
      session.stdout.on('data', (c: Buffer) => send(CH.stdout, c, session!.stdout));
      session.stderr?.on('data', (c: Buffer) => send(opts.tty ? CH.stdout : CH.stderr, c, session!.stderr));
      for (const m of early.splice(0)) onMessage(m);
      out = await outcomeOf(session);
    } catch (err) {
      out = { error: String((err as Error)?.message ?? err) };
      log.debug('remote command failed', { err: out.error });
    }
    const status = statusPayload(version, out, command);
    const close = () => {
      if (ws.readyState === ws.OPEN) ws.close(1000);
      // A client that never answers the close frame must not keep the socket.
      setTimeout(() => ws.terminate(), 5_000).unref();
    };
    // The Status and the close frame are two socket writes, the close only once the Status
    // write has completed: clients that poll for messages and stop at the close see the
    // Status (with the exit code) before it, rather than one coalesced write they may cut short.
    if (status) send(CH.error, status, undefined, close);
    else close();
  })();
}

/** Serves one exec/attach over SPDY/3.1 (after the 101) with the negotiated protocol. */
export function serveRemoteCommandSpdy(
  socket: Duplex,
  protocol: string,
  opts: StreamOptions,
  command: string[] | undefined,
  start: SessionStarter,
  log: Logger,
): void {
  const version = protocolVersion(protocol);
  const conn = new SpdyConnection(socket);
  const streams = new Map<string, SpdyStream>();
  const expected = ['error'];
  if (opts.stdin) expected.push('stdin');
  if (opts.stdout) expected.push('stdout');
  if (opts.stderr && !opts.tty) expected.push('stderr');
  if (opts.tty && version >= 3) expected.push('resize');
  let started = false;
  // Like the kubelet's streamCreationTimeout: the client has 30 s to open its streams.
  const timer = setTimeout(() => conn.close(), 30_000);
  timer.unref();
  conn.on('close', () => clearTimeout(timer));
  conn.on('stream', (s: SpdyStream) => {
    const type = s.headers['streamtype'] ?? '';
    if (!expected.includes(type) || streams.has(type) || started) {
      s.reset();
      return;
    }
    streams.set(type, s);
    if (expected.every((t) => streams.has(t))) {
      started = true;
      clearTimeout(timer);
      void run();
    }
  });

  const run = async () => {
    let session: StreamSession | undefined;
    let out: Outcome;
    const outputs: SpdyStream[] = [];
    // The client sends stdin (and its FIN) as soon as its streams exist, while the process is
    // still starting: SpdyStream.incoming buffers it until it is piped.
    const stdinStream = streams.get('stdin');
    try {
      session = await start(opts);
      const sess = session;
      conn.on('close', () => sess.close());
      if (stdinStream && sess.stdin) stdinStream.incoming.pipe(sess.stdin);
      const resize = streams.get('resize');
      if (resize) {
        let buf = '';
        resize.incoming.on('data', (c: Buffer) => {
          buf += c.toString('utf8');
          // Go's json.Encoder writes one object per line.
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const size = parseResize(buf.slice(0, nl));
            buf = buf.slice(nl + 1);
            if (size) sess.resize(size.width, size.height).catch(() => undefined);
          }
          const size = buf.trim().endsWith('}') ? parseResize(buf) : undefined;
          if (size) {
            buf = '';
            sess.resize(size.width, size.height).catch(() => undefined);
          }
        });
      }
      const pipe = (from: NodeJS.ReadableStream | undefined, to: SpdyStream | undefined) => {
        if (!to) return;
        outputs.push(to);
        if (!from) return;
        from.on('data', (c: Buffer) => {
          if (!to.write(c)) {
            from.pause();
            conn.once('drain', () => from.resume());
          }
        });
      };
      pipe(sess.stdout, streams.get('stdout'));
      pipe(sess.stderr, streams.get('stderr'));
      out = await outcomeOf(sess);
    } catch (err) {
      out = { error: String((err as Error)?.message ?? err) };
      log.debug('remote command failed', { err: out.error });
    }
    for (const s of outputs) s.end();
    const status = statusPayload(version, out, command);
    streams.get('error')?.end(status);
    // The client resets its streams and sends GOAWAY once it has read everything.
    const t = setTimeout(() => conn.close(), 2_000);
    t.unref();
    conn.on('close', () => clearTimeout(t));
  };
}
