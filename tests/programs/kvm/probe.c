// Probe of what this host's /dev/kvm (PVM on these machines) accepts: a paged long-mode guest
// whose user code (CPL 3) does `syscall` and touches an unmapped page; the ring-0 entry points
// (LSTAR, IDT vectors) do `out` to exit to the host, which writes an iretq frame and resumes.
// Usage: probe MODE [N]   MODE = info | syscall | syncregs | fault | hlt
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MEM (4ul << 20)
#define GDT 0x1000
#define IDT 0x2000
#define TSS 0x3000
#define CODE 0x4000   /* kernel trampoline */
#define PML4 0x5000
#define PDPT 0x6000
#define PD 0x7000
#define KSTACK 0x10000 /* top */
#define UCODE 0x200000
#define USTACK 0x300000
#define FRAME (KSTACK - 64)

static uint8_t *mem;
static int vcpu;
static struct kvm_run *run;

static void die(const char *m) { perror(m); exit(1); }
static uint64_t now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000ull + t.tv_nsec; }

static uint64_t seg_desc(int code, int dpl) {
  // 64-bit code: L=1, D=0; data: writable. P=1, S=1.
  uint64_t d = 0;
  d |= (uint64_t)(code ? 0xA : 0x2) << 40; // type: code exec/read or data r/w
  d |= 1ull << 44;                          // S
  d |= (uint64_t)dpl << 45;
  d |= 1ull << 47;                          // P
  if (code) d |= 1ull << 53;                // L
  else d |= 1ull << 54;                     // D/B for data (ignored)
  d |= 1ull << 55;                          // G
  d |= 0xFull << 48 | 0xFFFF;               // limit
  return d;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, int code, int dpl) {
  memset(s, 0, sizeof *s);
  s->base = 0; s->limit = 0xffffffff; s->selector = sel; s->present = 1; s->dpl = dpl; s->s = 1;
  s->type = code ? 0xB : 0x3; s->l = code; s->db = code ? 0 : 1; s->g = 1;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "info";
  long n = argc > 2 ? atol(argv[2]) : 1000;
  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0) die("/dev/kvm");
  int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  if (vm < 0) die("KVM_CREATE_VM");
  int mfd = memfd_create("guest", 0);
  ftruncate(mfd, MEM);
  mem = mmap(0, MEM, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
  struct kvm_userspace_memory_region r = {.slot = 0, .guest_phys_addr = 0, .memory_size = MEM, .userspace_addr = (uint64_t)mem};
  if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0) die("SET_USER_MEMORY_REGION");
  vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  if (vcpu < 0) die("CREATE_VCPU");
  int rs = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  run = mmap(0, rs, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);

  // GDT: 0 null, 0x08 kcode, 0x10 kdata, 0x18 udata32?, 0x20 udata(0x23... linux: 0x2b udata, 0x33 ucode), 0x40 TSS
  uint64_t *gdt = (uint64_t *)(mem + GDT);
  gdt[1] = seg_desc(1, 0); gdt[2] = seg_desc(0, 0);
  gdt[5] = seg_desc(0, 3); gdt[6] = seg_desc(1, 3);
  uint64_t tss = TSS; // 64-bit TSS descriptor (16 bytes) at 0x40
  gdt[8] = (0x68 + 32 - 1) | (tss & 0xffffff) << 16 | 0x89ull << 40 | ((tss >> 24) & 0xff) << 56;
  gdt[9] = tss >> 32;
  // TSS: rsp0 at +4, ist1 at +0x24
  *(uint64_t *)(mem + TSS + 4) = KSTACK;
  *(uint64_t *)(mem + TSS + 0x24) = KSTACK;
  *(uint16_t *)(mem + TSS + 0x66) = 0x68; // iomap base
  memset(mem + TSS + 0x68, 0xff, 32);
  mem[TSS + 0x68 + 0x80 / 8] &= ~(1 << (0x80 % 8)); // allow port 0x80 at CPL 3
  // Trampoline: entry i at CODE + 16*i : out %al,$i ; hlt... ; syscall entry at CODE+0x1000-? use 0x100 slot ports.
  uint8_t *c = mem + CODE;
  for (int v = 0; v < 32; v++) {
    uint8_t *e = c + 16 * v;
    e[0] = 0xE6; e[1] = v;       // out %al, $v
    e[2] = 0x48; e[3] = 0xCF;    // iretq (host set rsp to frame)
    e[4] = 0xF4;                 // hlt
  }
  uint8_t *se = c + 0x400; // syscall entry
  se[0] = 0xE6; se[1] = 0x80;  // out %al,$0x80
  se[2] = 0x48; se[3] = 0xCF;  // iretq
  // hlt-variant syscall entry
  uint8_t *he = c + 0x440;
  he[0] = 0xF4; he[1] = 0x48; he[2] = 0xCF;
  // IDT
  for (int v = 0; v < 32; v++) {
    uint64_t off = CODE + 16 * v;
    uint64_t *g = (uint64_t *)(mem + IDT + 16 * v);
    g[0] = (off & 0xffff) | (0x08ull << 16) | (0x8Eull << 40) | ((off >> 16) & 0xffff) << 48;
    g[1] = off >> 32;
  }
  // Page tables: identity 2 MiB pages for first 4 MiB; page 0 supervisor, page 1 user.
  uint64_t *pml4 = (uint64_t *)(mem + PML4), *pdpt = (uint64_t *)(mem + PDPT), *pd = (uint64_t *)(mem + PD);
  pml4[0] = PDPT | 7; if (getenv("HIGH")) pml4[511] = PDPT | 7; pdpt[0] = PD | 7;
  pd[0] = 0 | (getenv("SUPER") ? 0x83 : getenv("RO") ? 0x85 : 0x87);
  pd[1] = 0x200000 | 0x87;   // P RW US PS
  // user code
  uint8_t *u = mem + UCODE; int k = 0;
  // mov $N, %rbx
  u[k++] = 0x48; u[k++] = 0xBB; memcpy(u + k, &n, 8); k += 8;
  int loop = k;
  u[k++] = 0xB8; u[k++] = 39; u[k++] = 0; u[k++] = 0; u[k++] = 0; // mov $39,%eax
  if (getenv("OUTLOOP")) { u[k++] = 0xE6; u[k++] = 0x80; } else { u[k++] = 0x0F; u[k++] = 0x05; } // syscall
  u[k++] = 0x48; u[k++] = 0xFF; u[k++] = 0xCB;                    // dec %rbx
  u[k++] = 0x75; u[k] = (uint8_t)(loop - (k + 1)); k++;           // jnz loop
  u[k++] = 0x48; u[k++] = 0xA1; uint64_t bad = 0x400000; memcpy(u + k, &bad, 8); k += 8; // mov 0x400000,%rax (fault)
  u[k++] = 0xB8; u[k++] = 60; u[k++] = 0; u[k++] = 0; u[k++] = 0; // mov $60,%eax
  u[k++] = 0x0F; u[k++] = 0x05;
  u[k++] = 0xEB; u[k++] = 0xFE;

  struct kvm_sregs s;
  if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0) die("GET_SREGS");
  set_seg(&s.cs, 0x33, 1, 3);
  set_seg(&s.ss, 0x2b, 0, 3); s.ds = s.es = s.fs = s.gs = s.ss;
  s.tr.base = TSS; s.tr.limit = 0x68 + 32 - 1; s.tr.selector = 0x40; s.tr.type = 11; s.tr.present = 1; s.tr.s = 0;
  s.gdt.base = GDT; s.gdt.limit = 0x4f; s.idt.base = IDT; s.idt.limit = 32 * 16 - 1;
  s.cr3 = PML4; s.cr4 = 0x20 | 0x200 | 0x400; // PAE OSFXSR OSXMMEXCPT
  s.cr0 = 0x80050033; // PG WP AM? NE ET MP PE
  s.efer = 0x501;     // LMA LME SCE
  if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0) die("SET_SREGS");
  struct { struct kvm_msrs h; struct kvm_msr_entry e[4]; } msrs = {0};
  msrs.h.nmsrs = 3;
  msrs.e[0].index = 0xC0000081; msrs.e[0].data = (0x10ull << 48) | (0x08ull << 32) ; // STAR: user base 0x23? use 0x20|3
  msrs.e[0].data = (0x23ull << 48) | (0x08ull << 32);
  msrs.e[1].index = 0xC0000082; msrs.e[1].data = (getenv("HIGH") ? 0xffffff8000000000ull : 0) + CODE + (strcmp(mode, "hlt") == 0 ? 0x440 : 0x400);
  msrs.e[2].index = 0xC0000084; msrs.e[2].data = 0x47700; // SFMASK: TF DF IF IOPL AC NT
  int w = ioctl(vcpu, KVM_SET_MSRS, &msrs);
  printf("SET_MSRS wrote %d\n", w);
  struct kvm_regs g = {0};
  g.rip = UCODE; g.rsp = USTACK; g.rflags = 2;
  if (ioctl(vcpu, KVM_SET_REGS, &g) < 0) die("SET_REGS");
  int sync = strcmp(mode, "syncregs") == 0;
  if (sync) run->kvm_valid_regs = KVM_SYNC_X86_REGS;
  long sys = 0; uint64_t t0 = now(), t1 = 0;
  for (;;) {
    if (ioctl(vcpu, KVM_RUN, 0) < 0) die("KVM_RUN");
    int port = run->exit_reason == KVM_EXIT_IO ? run->io.port : -1;
    if (run->exit_reason == KVM_EXIT_IO || run->exit_reason == KVM_EXIT_HLT) {
      struct kvm_regs *R = sync ? &run->s.regs.regs : &g;
      if (!sync) ioctl(vcpu, KVM_GET_REGS, &g);
      if (sys == 0 && !t1) {
        struct kvm_sregs q; ioctl(vcpu, KVM_GET_SREGS, &q);
        printf("first exit: reason %d port %#x rip %#llx cs %#x dpl %d rax %lld rcx %#llx r11 %#llx rsp %#llx\n", run->exit_reason, port, R->rip, q.cs.selector, q.cs.dpl, R->rax, R->rcx, R->r11, R->rsp);
      }
      if (port == 0x80 || run->exit_reason == KVM_EXIT_HLT) {
        if (R->rax == 60) { t1 = now(); printf("exit syscall after %ld syscalls: %.0f ns/syscall\n", sys, (double)(t1 - t0) / sys); break; }
        sys++;
        if (getenv("IRET")) {
          uint64_t *f = (uint64_t *)(mem + FRAME);
          f[0] = R->rcx; f[1] = 0x33; f[2] = R->r11; f[3] = R->rsp; f[4] = 0x2b;
          R->rax = 1234; R->rsp = FRAME;
        } else if (getenv("OUTLOOP")) { R->rax = 1234; } else { R->rip = R->rcx; R->rflags = R->r11; R->rax = 1234; }
        if (sync) run->kvm_dirty_regs = KVM_SYNC_X86_REGS; else ioctl(vcpu, KVM_SET_REGS, &g);
        continue;
      }
      // exception vector
      struct kvm_sregs q; ioctl(vcpu, KVM_GET_SREGS, &q);
      uint64_t *st = (uint64_t *)(mem + R->rsp);
      printf("vector %d rip %#llx rsp %#llx cr2 %#llx stack: %#lx %#lx %#lx %#lx %#lx %#lx\n", port, R->rip, R->rsp, q.cr2, st[0], st[1], st[2], st[3], st[4], st[5]);
      if (port == 14) { // skip the faulting 10-byte mov
        uint64_t *f = (uint64_t *)(mem + FRAME);
        f[0] = st[1] + 10; f[1] = st[2]; f[2] = st[3]; f[3] = st[4]; f[4] = st[5];
        R->rsp = FRAME; R->rip = CODE + 16 * 14 + 2;
        if (sync) run->kvm_dirty_regs = KVM_SYNC_X86_REGS; else ioctl(vcpu, KVM_SET_REGS, &g);
        continue;
      }
      break;
    }
    printf("exit reason %d\n", run->exit_reason);
    if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) printf("suberror %d\n", run->internal.suberror);
    struct kvm_regs q; ioctl(vcpu, KVM_GET_REGS, &q);
    printf("rip %#llx rsp %#llx\n", q.rip, q.rsp);
    break;
  }
  return 0;
}
