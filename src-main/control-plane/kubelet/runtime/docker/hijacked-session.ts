// Sessions over hijacked exec/attach connections (exec, attach, relay); touches only the given socket.
import { Duplex, PassThrough } from 'node:stream';
import type { StreamOptions, StreamSession } from '../runtime';
import { StreamDemux } from './stream-demux';

/**
 * A session over an engine's hijacked exec/attach connection: demultiplexes stdout/stderr
 * (8-byte frame headers) unless it is a TTY, and half-closes the connection when stdin ends,
 * which the engine passes on to the process as EOF.
 */
export function hijackedSession(
  socket: Duplex,
  opts: StreamOptions,
  hooks: { resize(w: number, h: number): Promise<void>; exitCode(): Promise<number | undefined> },
): StreamSession {
  const stdout = new PassThrough();
  const stderr = opts.tty ? undefined : new PassThrough();
  if (opts.tty) {
    socket.pipe(stdout);
  } else {
    const demux = new StreamDemux(stdout, stderr!);
    socket.on('data', (chunk: Buffer) => {
      if (!demux.write(chunk)) {
        socket.pause();
        demux.onDrain(() => socket.resume());
      }
    });
    socket.on('end', () => {
      stdout.end();
      stderr!.end();
    });
  }
  socket.on('close', () => {
    if (!stdout.writableEnded) stdout.end();
    if (stderr && !stderr.writableEnded) stderr.end();
  });
  socket.on('error', () => undefined);
  let stdin: PassThrough | undefined;
  if (opts.stdin) {
    stdin = new PassThrough();
    stdin.on('data', (c: Buffer) => {
      if (!socket.write(c)) {
        stdin!.pause();
        socket.once('drain', () => stdin!.resume());
      }
    });
    stdin.on('end', () => socket.end());
  }
  const done = new Promise<{ exitCode?: number }>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      hooks.exitCode().then(
        (exitCode) => resolve({ exitCode }),
        () => resolve({}),
      );
    };
    socket.on('end', finish);
    socket.on('close', finish);
  });
  return {
    stdin,
    stdout,
    stderr,
    resize: (w, h) => hooks.resize(w, h),
    done,
    close: () => socket.destroy(),
  };
}

/**
 * The relay's stdio as one duplex byte stream to the pod's port; a relay that exits with an
 * error (nothing listens on the port) destroys the stream with its message.
 */
export function relayStream(
  socket: Duplex,
  port: number,
  exitCode: () => Promise<number | undefined>,
): Duplex {
  const session = hijackedSession(
    socket,
    { stdin: true, stdout: true, stderr: true, tty: false },
    { resize: async () => undefined, exitCode },
  );
  let errText = '';
  session.stderr!.on('data', (c: Buffer) => (errText += c.toString('utf8')));
  const out = new Duplex({
    read() {
      session.stdout.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (session.stdin!.write(chunk)) cb();
      else session.stdin!.once('drain', () => cb());
    },
    final(cb) {
      session.stdin!.end();
      cb();
    },
    destroy(err, cb) {
      session.close();
      cb(err);
    },
  });
  session.stdout.on('data', (c: Buffer) => {
    if (!out.push(c)) session.stdout.pause();
  });
  session.stdout.on('end', () => {
    void session.done.then(({ exitCode }) => {
      if (exitCode !== undefined && exitCode !== 0)
        out.destroy(
          new Error(
            `failed to connect to localhost:${port} inside the pod's network namespace: ${errText.trim() || `relay exit code ${exitCode}`}`,
          ),
        );
      else out.push(null);
    });
  });
  return out;
}
