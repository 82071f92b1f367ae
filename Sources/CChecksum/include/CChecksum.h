#ifndef TOLLGATE_CCHECKSUM_H
#define TOLLGATE_CCHECKSUM_H
#include <stddef.h>
#include <stdint.h>

/// CRC32C (Castagnoli) of `length` bytes continuing from `crc` (pass 0 to start).
/// Uses the SSE4.2 crc32 instruction (3-way interleaved for long buffers) when the CPU has it, else a table.
uint32_t tollgate_crc32c(uint32_t crc, const void *data, size_t length);

/// The portable table implementation, exposed so tests can compare it with the hardware path.
uint32_t tollgate_crc32c_portable(uint32_t crc, const void *data, size_t length);

/// 1 when the hardware path is in use.
int tollgate_crc32c_hardware_available(void);

#endif
