// Built with _GNU_SOURCE so that <sys/uio.h> declares pwritev2 and RWF_DSYNC (see include/CLinuxIO.h).
#define _GNU_SOURCE
#include <errno.h>
#include <sys/uio.h>

#include "CLinuxIO.h"

ssize_t tollgate_pwritev_dsync(int fd, const struct iovec *iov, int iovcnt, off_t offset) {
#if defined(__linux__) && defined(RWF_DSYNC)
    return pwritev2(fd, iov, iovcnt, offset, RWF_DSYNC);
#else
    (void)fd;
    (void)iov;
    (void)iovcnt;
    (void)offset;
    errno = ENOSYS;
    return -1;
#endif
}
