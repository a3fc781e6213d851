/* Local copies of glibc data symbols that the libwebrtc archive reaches PC-relatively.
 *
 * The archive is position-independent *executable* code: it addresses stdout, stderr,
 * in6addr_any and in6addr_loopback as if they were copy-relocated into the executable, which
 * a shared object (the .node) cannot satisfy from libc.so. Hidden definitions inside our own
 * object resolve those references locally. No glibc header is included, so their declarations
 * (default visibility, FILE type) cannot clash; asm labels give the C names.
 *
 * stdout/stderr must stay the very FILE objects glibc uses, so that our output interleaves and
 * flushes with everyone else's: they point at glibc's exported _IO_2_1_stdout_/_IO_2_1_stderr_.
 * The in6addr_* values are fixed by RFC 4291, so copies are as good as glibc's. */

#define OTC_HIDDEN __attribute__((visibility("hidden")))

struct otc_glibc_file; /* glibc's FILE; only its address is needed */
extern struct otc_glibc_file otc_glibc_stdout_file __asm__("_IO_2_1_stdout_");
extern struct otc_glibc_file otc_glibc_stderr_file __asm__("_IO_2_1_stderr_");

OTC_HIDDEN struct otc_glibc_file *otc_stdout __asm__("stdout") = &otc_glibc_stdout_file;
OTC_HIDDEN struct otc_glibc_file *otc_stderr __asm__("stderr") = &otc_glibc_stderr_file;

/* Same size and alignment as struct in6_addr (a union that includes uint32_t[4]). */
struct otc_in6_addr {
  __attribute__((aligned(4))) unsigned char bytes[16];
};

OTC_HIDDEN const struct otc_in6_addr otc_in6addr_any __asm__("in6addr_any") = {{0}};
OTC_HIDDEN const struct otc_in6_addr otc_in6addr_loopback __asm__("in6addr_loopback") = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
