import { createHash } from 'node:crypto';
import { PAUSE_AMD64_HEX } from './pause-binary';
import { RELAY_AMD64_HEX } from './relay-binary';
import { NETD_AMD64_HEX } from './netd-binary';

/**
 * The sandbox image Skiff builds locally when nothing else is configured: `/pause`, the
 * port-forward `/relay` and the network agent `/netd` (tag 3-…; tag 2 had no netd, tag 1 no relay).
 * The network agent container runs this image too. The tag ends in a digest of the shipped
 * binaries, so an upgrade that changes any of them builds (and uses) a new image instead of
 * silently running the old bytes that an engine already has under the same tag.
 */
export const DEFAULT_SANDBOX_IMAGE = `skiff/pause:3-${createHash('sha256')
  .update(PAUSE_AMD64_HEX)
  .update(RELAY_AMD64_HEX)
  .update(NETD_AMD64_HEX)
  .digest('hex')
  .slice(0, 12)}`;

/** Pause binaries Skiff ships, by Node's `process.arch`. */
const PAUSE_BINARIES: Record<string, string> = { x64: PAUSE_AMD64_HEX };
/** Port-forward relays Skiff ships, by Node's `process.arch`. */
const RELAY_BINARIES: Record<string, string> = { x64: RELAY_AMD64_HEX };
/** Network agents Skiff ships, by Node's `process.arch`. */
const NETD_BINARIES: Record<string, string> = { x64: NETD_AMD64_HEX };

/**
 * The root filesystem of the default sandbox image as a tar archive: executables `/pause`,
 * `/relay` and `/netd`. Throws a
 * message naming the `sandboxImage` option when this CPU architecture has no shipped binary.
 */
export function pauseRootfsTar(arch: string = process.arch): Buffer {
  const hex = PAUSE_BINARIES[arch];
  if (!hex) {
    throw new Error(
      `Skiff ships no pause binary for the ${arch} architecture, so it cannot build ${DEFAULT_SANDBOX_IMAGE}; ` +
        `set the kubelet runtime's sandboxImage option to an image available here, e.g. registry.k8s.io/pause:3.10`,
    );
  }
  return tarOf([
    { name: 'pause', mode: 0o755, data: Buffer.from(hex, 'hex') },
    { name: 'relay', mode: 0o755, data: Buffer.from(RELAY_BINARIES[arch] ?? '', 'hex') },
    { name: 'netd', mode: 0o755, data: Buffer.from(NETD_BINARIES[arch] ?? '', 'hex') },
  ]);
}

/** A minimal POSIX ustar writer: regular files only, which is all a scratch rootfs needs. */
export function tarOf(files: { name: string; mode: number; data: Buffer }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const h = Buffer.alloc(512);
    h.write(f.name, 0, 100, 'utf8');
    h.write(octal(f.mode, 7), 100);
    h.write(octal(0, 7), 108); // uid
    h.write(octal(0, 7), 116); // gid
    h.write(octal(f.data.length, 11), 124);
    h.write(octal(0, 11), 136); // mtime 0: the image id stays the same across builds
    h.write('        ', 148); // checksum is computed with this field as spaces
    h.write('0', 156); // regular file
    h.write('ustar\u000000', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148);
    blocks.push(h, f.data, Buffer.alloc((512 - (f.data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return Buffer.concat(blocks);
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width, '0') + '\u0000';
}
