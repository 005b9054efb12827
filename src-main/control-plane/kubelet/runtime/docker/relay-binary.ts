/**
 * The bytes of Skiff's port-forward relay: a 1344-byte static x86_64 Linux ELF with no libc.
 * `relay PORT` connects to 127.0.0.1:PORT in the network namespace it runs in, then copies
 * stdin → socket and socket → stdout until the socket closes (stdin EOF half-closes the socket).
 * It lives next to `/pause` in the sandbox image, so the kubelet can reach any port of a pod —
 * published or not, whatever the app image contains — with one `docker exec` in the sandbox.
 * Exit codes: 0 done, 1 connect failed ("relay: connection refused" on stderr), 2 bad usage.
 *
 * Built with `gcc -Os -static -nostdlib -ffreestanding -fno-builtin
 * -fno-tree-loop-distribute-patterns -fno-stack-protector -fno-asynchronous-unwind-tables
 * -fno-pie -no-pie -Wl,--build-id=none -Wl,-n -s -o relay relay.c` from:
 *
 * /* relay PORT: connects to 127.0.0.1:PORT inside the current network namespace and copies
 *  * stdin -> socket and socket -> stdout until the socket closes. No libc. *\/
 * typedef unsigned long u64;
 * static long sys(long n, long a, long b, long c, long d, long e) {
 *   long r;
 *   register long r10 __asm__("r10") = d;
 *   register long r8 __asm__("r8") = e;
 *   __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
 *   return r;
 * }
 * #define SYS_read 0
 * #define SYS_write 1
 * #define SYS_poll 7
 * #define SYS_socket 41
 * #define SYS_connect 42
 * #define SYS_shutdown 48
 * #define SYS_exit_group 231
 * struct pollfd { int fd; short events, revents; };
 * static char buf[65536];
 * static int writeall(int fd, const char *p, long n) {
 *   while (n > 0) { long w = sys(SYS_write, fd, (long)p, n, 0, 0); if (w <= 0) return -1; p += w; n -= w; }
 *   return 0;
 * }
 * static void die(const char *m, int code) {
 *   long n = 0; while (m[n]) n++;
 *   writeall(2, m, n);
 *   sys(SYS_exit_group, code, 0, 0, 0, 0);
 * }
 * void main2(long *sp) {
 *   long argc = sp[0];
 *   char **argv = (char **)(sp + 1);
 *   if (argc < 2) die("usage: relay PORT\n", 2);
 *   unsigned port = 0;
 *   for (char *p = argv[1]; *p; p++) { if (*p < '0' || *p > '9') die("relay: bad port\n", 2); port = port * 10 + (unsigned)(*p - '0'); }
 *   if (port == 0 || port > 65535) die("relay: bad port\n", 2);
 *   int s = (int)sys(SYS_socket, 2, 1, 0, 0, 0);
 *   if (s < 0) die("relay: socket failed\n", 1);
 *   unsigned char addr[16] = {2, 0, (unsigned char)(port >> 8), (unsigned char)port, 127, 0, 0, 1};
 *   if (sys(SYS_connect, s, (long)addr, 16, 0, 0) < 0) die("relay: connection refused\n", 1);
 *   struct pollfd fds[2] = {{0, 1, 0}, {s, 1, 0}};
 *   int in_open = 1;
 *   for (;;) {
 *     fds[0].fd = in_open ? 0 : -1;
 *     if (sys(SYS_poll, (long)fds, 2, -1, 0, 0) < 0) continue;
 *     if (fds[1].revents) {
 *       long n = sys(SYS_read, s, (long)buf, sizeof buf, 0, 0);
 *       if (n <= 0) break;
 *       if (writeall(1, buf, n) < 0) break;
 *     }
 *     if (in_open && fds[0].revents) {
 *       long n = sys(SYS_read, 0, (long)buf, sizeof buf, 0, 0);
 *       if (n <= 0) { in_open = 0; sys(SYS_shutdown, s, 1, 0, 0, 0); }
 *       else if (writeall(s, buf, n) < 0) break;
 *     }
 *   }
 *   sys(SYS_exit_group, 0, 0, 0, 0, 0);
 * }
 * __asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call main2\n");
 */
export const RELAY_AMD64_HEX = [
  '7f454c4602010100000000000000000002003e0001000000b000400000000000',
  '4000000000000000c00300000000000000000000400038000200400006000500',
  '0100000007000000b000000000000000b000400000000000b000400000000000',
  'c102000000000000d012010000000000200000000000000051e5746406000000',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '000000000000000010000000000000004889e74883e4f0e8610000004863ff41',
  'b9010000004885d27e184531d24531c04c89c80f054885c07e0b4801c64829c2',
  'ebe331c0c383c8ffc35331d289f3803c1700740548ffc2ebf54889febf020000',
  '00e8b6ffffff31d24863fb4531d24531c0b8e70000004889d60f055bc3415641',
  '55415455534889fb4883ec2048833f017f0fbe02000000bf1c034000e8a8ffff',
  'ff488b6b1031db8a450084c0742683e8303c09760fbe02000000bf2f034000e8',
  '85ffffff6bdb0a0fbe450048ffc58d5c03d0ebd38d43ff3dfeff0000760fbe02',
  '000000bf2f034000e85cffffff4531d24531c0b829000000bf02000000be0100',
  '000031d20f054889c54189c485c0790abf40034000e82fffffff86fb31c0c644',
  '241002488d74241048894424114531d24531c0ba100000004889442418b82a00',
  '0000c64424147fc64424170166895c24124863dd4889df0f054885c0790fbe01',
  '000000bf56034000e8dcfeffff896c240841be010000004989e5c74424040100',
  '0000c744240c01000000418d6eff41b907000000be020000004883caff892c24',
  '4531d24531c04c89c84c89ef0f054885c078ea66837c240e00bd80134000750a',
  '4585f675594531f6ebc04531d24531c031c0ba000001004889df4889ee0f0548',
  '89c24885c07f2231d24531d24531c0b8e70000004889d74889d60f054883c420',
  '5b5d415c415d415ec3be80134000bf01000000e804feffff85c079a4ebc96683',
  '7c2406000f8460ffffff4531c94531d24531c0ba000001004c89c84c89cf4889',
  'ee0f054889c24885c07f17b830000000be010000004889df4c89ca0f05e963ff',
  'ffffbe801340004489e7e8adfdffff85c00f8913ffffffe96bffffff75736167',
  '653a2072656c617920504f52540a0072656c61793a2062616420706f72740a00',
  '72656c61793a20736f636b6574206661696c65640a0072656c61793a20636f6e',
  '6e656374696f6e20726566757365640a004743433a202844656269616e203132',
  '2e322e302d31342b64656231327531292031322e322e3000002e736873747274',
  '6162002e74657874002e726f64617461002e627373002e636f6d6d656e740000',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0b000000010000000600000000000000b000400000000000b000000000000000',
  '6c02000000000000000000000000000001000000000000000000000000000000',
  '110000000100000032000000000000001c034000000000001c03000000000000',
  '5500000000000000000000000000000001000000000000000100000000000000',
  '1900000008000000030000000000000080134000000000007103000000000000',
  '0000010000000000000000000000000020000000000000000000000000000000',
  '1e00000001000000300000000000000000000000000000007103000000000000',
  '2700000000000000000000000000000001000000000000000100000000000000',
  '0100000003000000000000000000000000000000000000009803000000000000',
  '2700000000000000000000000000000001000000000000000000000000000000',
].join('');
