#ifndef TOLLGATE_CLINUXIO_H
#define TOLLGATE_CLINUXIO_H

#include <sys/types.h>
#include <sys/uio.h>

/// `pwritev2(fd, iov, iovcnt, offset, RWF_DSYNC)`: one system call that writes the vectors at `offset` and
/// returns once those bytes (and the metadata needed to read them back) are durable, as if the file were opened
/// with `O_DSYNC` for this call only. Glibc declares `pwritev2` and `RWF_DSYNC` only under `_GNU_SOURCE`, which
/// Swift's Glibc module is not built with; this file is (see durable_write.c).
///
/// Returns the bytes written (all of them made durable; fewer than asked on a short write), or -1 with `errno`
/// set: `ENOSYS` or `EOPNOTSUPP` when the kernel or C library has no `pwritev2`/`RWF_DSYNC` (nothing written),
/// anything else an error whose outcome is unknown.
ssize_t tollgate_pwritev_dsync(int fd, const struct iovec *iov, int iovcnt, off_t offset);

#endif
