// Probe: one durable overwrite of a pre-written file, two ways, alternated on the same file (docs/benchmarks.md,
// "pwritev2(RWF_DSYNC)"): `pwrite` + `fdatasync` (what the log's group commit does) against one
// `pwritev2(fd, iov, 1, offset, RWF_DSYNC)` (write and sync of its range in one system call).
//
//   gcc -O2 -o /tmp/probe-dsync tools/probe-dsync.c && /tmp/probe-dsync 30 200 1400 /tmp/probe-dsync.data
//
// Arguments: BLOCKS (pairs of blocks, ≤ 1000), WRITES per block, WRITE_BYTES (a group commit's size), PATH (a file it
// creates on the file system to measure and removes). The file is filled with written zeros and synced first, as
// the log's preallocated tail is; each block appends WRITES writes at the next offsets, the two ways alternating
// and their order swapped every pair. Prints each way's median writes/s over its blocks, the median of the per-pair
// ratios and CPU (user + system) per write.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum { blockCountMax = 1000, zeroChunkSizeBytes = 1 << 20 };

static double wallSeconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec * 1e-9;
}

static double cpuSeconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

static int compareDoubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *values, int count) {
    qsort(values, count, sizeof(double), compareDoubles);
    return values[count / 2];
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s BLOCKS WRITES WRITE_BYTES PATH\n", argv[0]);
        return 2;
    }
    int blockCount = atoi(argv[1]), writeCount = atoi(argv[2]), writeSizeBytes = atoi(argv[3]);
    const char *path = argv[4];
    if (blockCount < 1 || blockCount > blockCountMax || writeCount < 1 || writeSizeBytes < 1) {
        fprintf(stderr, "BLOCKS 1…%d, WRITES ≥ 1, WRITE_BYTES ≥ 1\n", blockCountMax);
        return 2;
    }
    long fileSizeBytes = (long)blockCount * 2 * writeCount * writeSizeBytes + zeroChunkSizeBytes;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror("open"); return 1; }
    char *zeros = calloc(1, zeroChunkSizeBytes);
    for (long offset = 0; offset < fileSizeBytes; offset += zeroChunkSizeBytes) {
        if (pwrite(fd, zeros, zeroChunkSizeBytes, offset) != zeroChunkSizeBytes) { perror("pwrite zeros"); return 1; }
    }
    if (fsync(fd) != 0) { perror("fsync"); return 1; }
    char *bytes = malloc(writeSizeBytes);
    memset(bytes, 'x', writeSizeBytes);

    static double perSecond[2][blockCountMax], cpuPerWriteMicroseconds[2][blockCountMax], ratios[blockCountMax];
    off_t offset = 0;
    for (int block = 0; block < blockCount; block++) {
        for (int turn = 0; turn < 2; turn++) {
            int way = (block % 2 == 0) ? turn : 1 - turn;  // 0: pwrite + fdatasync, 1: pwritev2(RWF_DSYNC)
            double wallStart = wallSeconds(), cpuStart = cpuSeconds();
            for (int i = 0; i < writeCount; i++, offset += writeSizeBytes) {
                if (way == 0) {
                    if (pwrite(fd, bytes, writeSizeBytes, offset) != writeSizeBytes || fdatasync(fd) != 0) {
                        perror("pwrite + fdatasync");
                        return 1;
                    }
                } else {
                    struct iovec vector = {bytes, (size_t)writeSizeBytes};
                    if (pwritev2(fd, &vector, 1, offset, RWF_DSYNC) != writeSizeBytes) {
                        perror("pwritev2");
                        return 1;
                    }
                }
            }
            perSecond[way][block] = writeCount / (wallSeconds() - wallStart);
            cpuPerWriteMicroseconds[way][block] = (cpuSeconds() - cpuStart) / writeCount * 1e6;
        }
        ratios[block] = perSecond[1][block] / perSecond[0][block];
    }
    printf("pairwise ratio pwritev2/pwrite+fdatasync: median %.3f\n", median(ratios, blockCount));
    const char *names[2] = {"pwrite + fdatasync", "pwritev2(RWF_DSYNC)"};
    for (int way = 0; way < 2; way++) {
        double cpu = median(cpuPerWriteMicroseconds[way], blockCount);
        double middle = median(perSecond[way], blockCount);  // sorts: [0] is then the minimum
        printf("%-20s median %.0f writes/s (min %.0f, max %.0f), CPU %.1f us/write; %d blocks of %d x %d B\n",
               names[way], middle, perSecond[way][0], perSecond[way][blockCount - 1], cpu, blockCount, writeCount,
               writeSizeBytes);
    }
    close(fd);
    unlink(path);
    return 0;
}
