// The CPU's CRC32 instruction computes exactly CRC-32C (Castagnoli). Swift cannot emit it,
// so this file exists only for that instruction; the portable table version stays in Swift.
#include "settle_crc32c.h"

#if defined(__x86_64__)
#include <nmmintrin.h>

int settle_crc32c_hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

// One stream of 8-byte steps. Interleaving three streams would hide the instruction's
// latency for ~3x more, at the price of a carry-less-multiply combine; not needed yet.
__attribute__((target("sse4.2")))
static uint32_t crc_bytes(uint32_t state, const uint8_t *p, size_t n) {
    uint64_t s = state;
    while (n >= 8) { s = _mm_crc32_u64(s, *(const uint64_t *)(const void *)p); p += 8; n -= 8; }
    while (n > 0) { s = _mm_crc32_u8((uint32_t)s, *p); p++; n--; }
    return (uint32_t)s;
}

__attribute__((target("sse4.2")))
uint32_t settle_crc32c_hardware(uint32_t state, const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    // Align to 8 bytes first so the word loads are aligned.
    while (length > 0 && ((uintptr_t)p & 7) != 0) { state = _mm_crc32_u8(state, *p); p++; length--; }
    return crc_bytes(state, p, length);
}
#else
int settle_crc32c_hardware_available(void) { return 0; }
uint32_t settle_crc32c_hardware(uint32_t state, const void *data, size_t length) {
    (void)data; (void)length; return state;
}
#endif
