// CRC32C (Castagnoli, reflected polynomial 0x82F63B78).
// Hardware path: SSE4.2 crc32 instruction, enabled per function with a target attribute (no unsafeFlags),
// chosen at run time with __builtin_cpu_supports. Long buffers run three independent streams so the
// instruction's 3-cycle latency is hidden, then combine them with a shift (multiply by x^(8n) mod P).
#include "CChecksum.h"
#include <string.h>

static uint32_t crc_table[8][256];
static int crc_table_ready = 0;

static void crc_table_build(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = n;
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        crc_table[0][n] = crc;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = crc_table[0][n];
        for (int k = 1; k < 8; k++) {
            crc = crc_table[0][crc & 0xff] ^ (crc >> 8);
            crc_table[k][n] = crc;
        }
    }
    __atomic_store_n(&crc_table_ready, 1, __ATOMIC_RELEASE);
}

uint32_t tollgate_crc32c_portable(uint32_t crc, const void *data, size_t length) {
    if (!__atomic_load_n(&crc_table_ready, __ATOMIC_ACQUIRE)) crc_table_build();
    const unsigned char *bytes = (const unsigned char *)data;
    crc = ~crc;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        word ^= crc;
        crc = crc_table[7][word & 0xff] ^ crc_table[6][(word >> 8) & 0xff] ^ crc_table[5][(word >> 16) & 0xff] ^
              crc_table[4][(word >> 24) & 0xff] ^ crc_table[3][(word >> 32) & 0xff] ^
              crc_table[2][(word >> 40) & 0xff] ^ crc_table[1][(word >> 48) & 0xff] ^ crc_table[0][word >> 56];
        bytes += 8;
        length -= 8;
    }
    while (length--) crc = crc_table[0][(crc ^ *bytes++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

// Multiply a (reflected) CRC by x^(8*length_bytes) modulo P using the table-free bitwise method; only used
// once per long buffer to combine the three streams, so its cost does not matter.
static uint32_t gf2_multiply(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (int i = 0; i < 32; i++) {
        if (b & 0x80000000u) product ^= a;
        b <<= 1;
        a = (a & 1) ? (a >> 1) ^ 0x82F63B78u : a >> 1;
    }
    return product;
}

// x^(8*length_bytes) mod P in reflected form.
static uint32_t x_power_bytes(size_t length_bytes) {
    uint32_t result = 0x80000000u;  // x^0
    uint32_t square = 0x00800000u;  // x^8
    while (length_bytes) {
        if (length_bytes & 1) result = gf2_multiply(result, square);
        square = gf2_multiply(square, square);
        length_bytes >>= 1;
    }
    return result;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t length) {
    const unsigned char *bytes = (const unsigned char *)data;
    uint64_t crc0 = ~crc;
    enum { stripe_bytes = 8192 };
    while (length >= 3 * stripe_bytes) {
        uint64_t crc1 = 0, crc2 = 0;
        const unsigned char *a = bytes, *b = bytes + stripe_bytes, *c = bytes + 2 * stripe_bytes;
        for (size_t offset = 0; offset < stripe_bytes; offset += 8) {
            uint64_t wa, wb, wc;
            memcpy(&wa, a + offset, 8);
            memcpy(&wb, b + offset, 8);
            memcpy(&wc, c + offset, 8);
            crc0 = _mm_crc32_u64(crc0, wa);
            crc1 = _mm_crc32_u64(crc1, wb);
            crc2 = _mm_crc32_u64(crc2, wc);
        }
        static uint32_t shift_stripe_cache = 0;  // x^(8*stripe_bytes) mod P; racing writers store the same value
        uint32_t shift_stripe = __atomic_load_n(&shift_stripe_cache, __ATOMIC_RELAXED);
        if (!shift_stripe) {
            shift_stripe = x_power_bytes(stripe_bytes);
            __atomic_store_n(&shift_stripe_cache, shift_stripe, __ATOMIC_RELAXED);
        }
        crc0 = gf2_multiply((uint32_t)crc0, shift_stripe) ^ crc1;
        crc0 = gf2_multiply((uint32_t)crc0, shift_stripe) ^ crc2;
        bytes += 3 * stripe_bytes;
        length -= 3 * stripe_bytes;
    }
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        crc0 = _mm_crc32_u64(crc0, word);
        bytes += 8;
        length -= 8;
    }
    uint32_t crc32 = (uint32_t)crc0;
    while (length--) crc32 = _mm_crc32_u8(crc32, *bytes++);
    return ~crc32;
}

static int hardware_state = -1;

int tollgate_crc32c_hardware_available(void) {
    int state = __atomic_load_n(&hardware_state, __ATOMIC_ACQUIRE);
    if (state < 0) {
        __builtin_cpu_init();
        state = __builtin_cpu_supports("sse4.2") ? 1 : 0;
        __atomic_store_n(&hardware_state, state, __ATOMIC_RELEASE);
    }
    return state;
}

uint32_t tollgate_crc32c(uint32_t crc, const void *data, size_t length) {
    if (tollgate_crc32c_hardware_available()) return crc32c_sse42(crc, data, length);
    return tollgate_crc32c_portable(crc, data, length);
}

// The 21-byte record prefix straight from registers, then the body: one call per record on the hot path.
__attribute__((target("sse4.2"))) static uint32_t record_sse42(uint64_t seq, uint64_t time_ms, uint8_t type,
                                                                 const void *body, uint32_t body_size_bytes) {
    uint64_t crc = 0xFFFFFFFFu;
    crc = _mm_crc32_u64(crc, seq);
    crc = _mm_crc32_u64(crc, time_ms);
    uint32_t crc32 = _mm_crc32_u8((uint32_t)crc, type);
    crc32 = _mm_crc32_u32(crc32, body_size_bytes);
    return crc32c_sse42(~crc32, body, body_size_bytes);
}

uint32_t tollgate_crc32c_record(uint64_t seq, int64_t time_ms, uint8_t type, const void *body,
                                uint32_t body_size_bytes) {
    if (tollgate_crc32c_hardware_available()) return record_sse42(seq, (uint64_t)time_ms, type, body, body_size_bytes);
    unsigned char prefix[21];
    memcpy(prefix, &seq, 8);  // little-endian host (x86_64)
    memcpy(prefix + 8, &time_ms, 8);
    prefix[16] = type;
    memcpy(prefix + 17, &body_size_bytes, 4);
    return tollgate_crc32c_portable(tollgate_crc32c_portable(0, prefix, 21), body, body_size_bytes);
}
#else
int tollgate_crc32c_hardware_available(void) { return 0; }
uint32_t tollgate_crc32c(uint32_t crc, const void *data, size_t length) {
    return tollgate_crc32c_portable(crc, data, length);
}
uint32_t tollgate_crc32c_record(uint64_t seq, int64_t time_ms, uint8_t type, const void *body,
                                uint32_t body_size_bytes) {
    unsigned char prefix[21];
    for (int i = 0; i < 8; i++) prefix[i] = (unsigned char)(seq >> (8 * i));
    for (int i = 0; i < 8; i++) prefix[8 + i] = (unsigned char)((uint64_t)time_ms >> (8 * i));
    prefix[16] = type;
    for (int i = 0; i < 4; i++) prefix[17 + i] = (unsigned char)(body_size_bytes >> (8 * i));
    return tollgate_crc32c_portable(tollgate_crc32c_portable(0, prefix, 21), body, body_size_bytes);
}
#endif
