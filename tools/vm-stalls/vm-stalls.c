/*
 * vm-stalls: does a CPU stall while another CPU faults in fresh memory?
 *
 *   gcc -O2 -o /tmp/vm-stalls tools/vm-stalls/vm-stalls.c
 *   ./engine bench jitter --seconds 20                    # alone: the gaps of a thread spinning on each CPU
 *   (./engine bench jitter --seconds 12 & sleep 2; /tmp/vm-stalls touch 1500 4 huge; wait)
 *
 * The spinning side is `engine bench jitter` (it was this tool's `gaps` mode): it counts the gaps
 * between two reads of CLOCK_MONOTONIC on each CPU, with the thread's own CPU clock across them
 * (CPU time that runs through a gap means the guest kernel thought the thread was running: a stall
 * below the guest; none means it was descheduled). `touch MB R [huge]` maps MB MiB of fresh anonymous memory R times
 * (advised for transparent huge pages with `huge`), writes one byte per 4 KiB page and unmaps
 * it, printing each round's time per MiB: the first round pays for memory the host has to back,
 * later rounds get the pages the round before gave back (the kernel keeps them until its free
 * page reporting returns them to the host). docs/factor-core-rounds.md ("Nineteenth round",
 * "Twenty-fourth round") has what the engine's VM showed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

static long long clock_ns(clockid_t id) { struct timespec t; clock_gettime(id, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }

static int touch(size_t mb, int rounds, int huge)
{
    size_t bytes = mb << 20;
    for (int r = 0; r < rounds; r++) {
        char *p = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { perror("mmap"); return 1; }
        if (huge) madvise(p, bytes, MADV_HUGEPAGE);
        long long t0 = clock_ns(CLOCK_MONOTONIC);
        for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
        printf("round %d: %.3f ms per MiB\n", r + 1, (clock_ns(CLOCK_MONOTONIC) - t0) / 1e6 / (double)mb);
        munmap(p, bytes);
    }
    printf("touched %d × %zu MiB\n", rounds, mb);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "touch") == 0) return touch((size_t)atol(argv[2]), atoi(argv[3]), argc >= 5 && strcmp(argv[4], "huge") == 0);
    fprintf(stderr, "usage: vm-stalls touch MIB ROUNDS [huge]\n");
    return 2;
}
