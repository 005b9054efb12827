import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src-renderer/models/kube';
import {
  CHANNEL,
  binaryStringBytes,
  closeStdinFrame,
  decodeFrame,
  execPath,
  isMissingExecutable,
  parseCommandLine,
  parseExecStatus,
  resizeFrame,
  shellTargets,
  socketUrl,
  stdinFrame,
} from '../../../src-renderer/models/exec-channel';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('exec channel framing', () => {
  it('stdin is channel 0 then the UTF-8 bytes', () => {
    const f = stdinFrame('ls /\r');
    expect(f[0]).toBe(0);
    expect(text(f.subarray(1))).toBe('ls /\r');
    expect([...stdinFrame('é')]).toEqual([0, 0xc3, 0xa9]);
    expect([...stdinFrame(Uint8Array.of(1, 2, 255))]).toEqual([0, 1, 2, 255]);
  });

  it("xterm's binary strings are bytes, not UTF-8", () => {
    expect([...binaryStringBytes('\x1b[M\xe0!')]).toEqual([0x1b, 0x5b, 0x4d, 0xe0, 0x21]);
  });

  it('resize is channel 4 with the JSON TerminalSize, and refuses nonsense sizes', () => {
    const f = resizeFrame(120, 40);
    expect(f[0]).toBe(4);
    expect(JSON.parse(text(f.subarray(1)))).toEqual({ Width: 120, Height: 40 });
    expect(() => resizeFrame(0, 10)).toThrow(RangeError);
    expect(() => resizeFrame(80.5, 10)).toThrow(/whole cells/);
  });

  it('v5 close of stdin is [255, 0]', () => {
    expect([...closeStdinFrame()]).toEqual([CHANNEL.close, CHANNEL.stdin]);
  });

  it('decodes channel and payload from ArrayBuffer or bytes; empty frames are nothing', () => {
    const buf = Uint8Array.of(1, 104, 105).buffer;
    const f = decodeFrame(buf)!;
    expect(f.channel).toBe(1);
    expect(text(f.payload)).toBe('hi');
    expect(decodeFrame(Uint8Array.of(3))).toEqual({ channel: 3, payload: new Uint8Array() });
    expect(decodeFrame(new Uint8Array())).toBeUndefined();
  });
});

describe('the error channel Status', () => {
  it('Success is exit 0; NonZeroExitCode carries the code in its causes', () => {
    expect(parseExecStatus('{"metadata":{},"status":"Success"}')).toEqual({ kind: 'exited', exitCode: 0 });
    const nz = JSON.stringify({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: error executing command [sh], exit code 3',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    expect(parseExecStatus(nz)).toEqual({ kind: 'exited', exitCode: 3 });
  });

  it('other failures keep the server message; non-JSON (v1–v3) is the text itself', () => {
    expect(
      parseExecStatus(
        '{"status":"Failure","reason":"InternalError","message":"container not found (\\"x\\")"}',
      ),
    ).toEqual({ kind: 'failed', message: 'container not found ("x")' });
    expect(parseExecStatus('  boom \n')).toEqual({ kind: 'failed', message: 'boom' });
    // NonZeroExitCode without a usable cause is a failure, not exit NaN.
    expect(parseExecStatus('{"status":"Failure","reason":"NonZeroExitCode","message":"m"}')).toEqual({
      kind: 'failed',
      message: 'm',
    });
  });

  it("recognises the runtime's 'executable not found' with 126/127, not a shell that printed it", () => {
    const docker =
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown\r\n';
    expect(isMissingExecutable({ kind: 'exited', exitCode: 126 }, docker)).toBe(true);
    expect(
      isMissingExecutable(
        { kind: 'exited', exitCode: 126 },
        'exec: "sh": executable file not found in $PATH',
      ),
    ).toBe(true);
    expect(
      isMissingExecutable(
        { kind: 'failed', message: 'exec: "bash": executable file not found in $PATH' },
        '',
      ),
    ).toBe(true);
    // A session that ran and exited normally after `cat /nope` is just an exit.
    expect(
      isMissingExecutable({ kind: 'exited', exitCode: 1 }, 'cat: /nope: No such file or directory'),
    ).toBe(false);
    expect(isMissingExecutable({ kind: 'exited', exitCode: 126 }, 'permission denied')).toBe(false);
    expect(isMissingExecutable(undefined, '')).toBe(false);
  });
});

describe('command lines', () => {
  it('splits on blanks and keeps quoted words whole', () => {
    expect(parseCommandLine('/bin/sh')).toEqual(['/bin/sh']);
    expect(parseCommandLine('  sh  -c   "echo hi there"  ')).toEqual(['sh', '-c', 'echo hi there']);
    expect(parseCommandLine(`python3 -c 'print("x")'`)).toEqual(['python3', '-c', 'print("x")']);
    expect(parseCommandLine('a\\ b "c\\"d" \'\'')).toEqual(['a b', 'c"d', '']);
    expect(parseCommandLine('   ')).toEqual([]);
  });

  it('an unterminated quote is an error, not a guess', () => {
    expect(() => parseCommandLine('sh -c "echo')).toThrow(/unterminated " quote/);
    expect(() => parseCommandLine("sh -c 'echo")).toThrow(/unterminated ' quote/);
  });
});

describe('exec URLs', () => {
  it('asks for a tty with stdin and stdout, one command parameter per word', () => {
    const p = execPath('my ns', 'web-1', 'app', ['sh', '-c', 'ls /']);
    const [path, query] = p.split('?');
    expect(path).toBe('/api/v1/namespaces/my%20ns/pods/web-1/exec');
    const q = new URLSearchParams(query);
    expect(q.getAll('command')).toEqual(['sh', '-c', 'ls /']);
    expect(q.get('container')).toBe('app');
    expect([q.get('stdin'), q.get('stdout'), q.get('tty')]).toEqual(['true', 'true', 'true']);
    expect(() => execPath('ns', 'p', 'c', [])).toThrow(/empty/);
  });

  it('ws(s) of the base URL, or of the page behind the proxy', () => {
    expect(socketUrl('https://127.0.0.1:6443/', 'http://x', '/api/v1/x')).toBe(
      'wss://127.0.0.1:6443/api/v1/x',
    );
    expect(socketUrl('', 'http://127.0.0.1:5173', '/api')).toBe('ws://127.0.0.1:5173/api');
    expect(socketUrl('http://127.0.0.1:5173/clusters/kind', 'http://x', '/api')).toBe(
      'ws://127.0.0.1:5173/clusters/kind/api',
    );
    expect(() => socketUrl('', 'file://', '/api')).toThrow(/no http/);
  });
});

describe('shell targets', () => {
  it('lists app and ephemeral containers with their state', () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'd' },
      spec: {
        initContainers: [{ name: 'init', image: 'i' }],
        containers: [
          { name: 'app', image: 'a' },
          { name: 'side', image: 's' },
        ],
        ephemeralContainers: [{ name: 'debugger-abcde', image: 'busybox' }],
      },
      status: {
        containerStatuses: [
          { name: 'app', image: 'a', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
          {
            name: 'side',
            image: 's',
            imageID: '',
            ready: false,
            restartCount: 2,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          },
        ],
        ephemeralContainerStatuses: [
          {
            name: 'debugger-abcde',
            image: 'busybox',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } },
          },
        ],
      },
    };
    expect(shellTargets(pod)).toEqual([
      { name: 'app', kind: 'container', image: 'a', running: true, state: 'running' },
      { name: 'side', kind: 'container', image: 's', running: false, state: 'waiting: CrashLoopBackOff' },
      {
        name: 'debugger-abcde',
        kind: 'ephemeral',
        image: 'busybox',
        running: false,
        state: 'terminated: Completed',
      },
    ]);
  });
});
