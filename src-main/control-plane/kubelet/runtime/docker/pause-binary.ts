/**
 * The bytes of Skiff's pod sandbox process ("pause"): a 202-byte static x86_64 Linux ELF that
 * installs a SIGTERM/SIGINT handler calling exit_group(0) and then loops on pause(). A handler is
 * needed because PID 1 of a container ignores signals it does not handle, so without one every
 * sandbox stop would wait for the kill timeout.
 *
 * Built from this GNU as listing (`as --64 -o pause.o pause.s && objcopy -O binary -j .text
 * pause.o pause`); the ELF and program headers are written by hand, so the file is exactly the
 * assembled bytes and has no sections:
 *
 * # A tiny static x86_64 ELF: the whole file (headers included) is this listing.
 *         .intel_syntax noprefix
 *         .set BASE, 0x400000
 * ehdr:   .byte 0x7f,'E','L','F',2,1,1,0        # ELF64, little endian, SysV
 *         .quad 0
 *         .word 2, 0x3e                          # ET_EXEC, EM_X86_64
 *         .long 1
 *         .quad BASE + (_start - ehdr)           # e_entry
 *         .quad phdr - ehdr                      # e_phoff
 *         .quad 0                                # e_shoff
 *         .long 0                                # e_flags
 *         .word 64, 56, 1, 0, 0, 0               # ehsize, phentsize, phnum, shentsize, shnum, shstrndx
 * phdr:   .long 1, 7                             # PT_LOAD, R+W+X (act below is written)
 *         .quad 0, BASE, BASE                    # offset, vaddr, paddr
 *         .quad filesize, filesize + 32          # filesz, memsz (+ zeroed act)
 *         .quad 0x1000                           # align
 * _start:
 *         lea  rsi, [rip + act]                  # act: 32 zeroed bytes after the file
 *         lea  rax, [rip + on_signal]
 *         mov  [rsi], rax                        # sa_handler
 *         mov  dword ptr [rsi + 8], 0x04000000   # sa_flags = SA_RESTORER: x86_64 refuses to deliver without one
 *         mov  [rsi + 16], rax                   # sa_restorer (never used: the handler exits)
 *         mov  edi, 15                           # SIGTERM
 *         call sigaction
 *         mov  edi, 2                            # SIGINT
 *         call sigaction
 * 1:      mov  eax, 34                           # pause()
 *         syscall
 *         jmp  1b
 * sigaction:
 *         xor  edx, edx                          # oldact = NULL
 *         mov  r10d, 8                           # sizeof(sigset_t)
 *         mov  eax, 13                           # rt_sigaction
 *         syscall
 *         ret
 * on_signal:
 *         xor  edi, edi                          # exit_group(0): never returns
 *         mov  eax, 231
 *         syscall
 *         .set filesize, . - ehdr
 * act:                                           # struct kernel_sigaction {handler, flags, restorer, mask}: 32 zeroed bytes after the file
 */
export const PAUSE_AMD64_HEX = [
  '7f454c4602010100000000000000000002003e00010000007800400000000000',
  '4000000000000000000000000000000000000000400038000100000000000000',
  '0100000007000000000000000000000000004000000000000000400000000000',
  'ca00000000000000ea000000000000000010000000000000488d354b00000048',
  '8d053b000000488906c746080000000448894610bf0f000000e813000000bf02',
  '000000e809000000b8220000000f05ebf731d241ba08000000b80d0000000f05',
  'c331ffb8e70000000f05',
].join('');
