#ifndef TOLLGATE_CCHECKSUM_H
#define TOLLGATE_CCHECKSUM_H
#include <stddef.h>
#include <stdint.h>

/// CRC32C (Castagnoli) of `length` bytes continuing from `crc` (pass 0 to start).
/// Uses the SSE4.2 crc32 instruction (3-way interleaved for long buffers) when the CPU has it, else a table.
uint32_t tollgate_crc32c(uint32_t crc, const void *data, size_t length);

/// The portable table implementation, exposed so tests can compare it with the hardware path.
uint32_t tollgate_crc32c_portable(uint32_t crc, const void *data, size_t length);

/// CRC32C of a log record: seq (u64 LE), time_ms (i64 LE), type (u8), body_size_bytes (u32 LE), then the body.
/// Equal to tollgate_crc32c over those 21 bytes followed by the body, in one call.
uint32_t tollgate_crc32c_record(uint64_t seq, int64_t time_ms, uint8_t type, const void *body,
                                uint32_t body_size_bytes);

/// 1 when the hardware path is in use.
int tollgate_crc32c_hardware_available(void);

#endif
