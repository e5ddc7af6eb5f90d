#ifndef SETTLE_CRC32C_H
#define SETTLE_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SSE4.2 CRC32 instruction, else 0.
int settle_crc32c_hardware_available(void);

/// Continues the raw (non-inverted) CRC-32C state over `length` bytes with the CPU's CRC32
/// instruction. Call only when `settle_crc32c_hardware_available()` returned 1.
uint32_t settle_crc32c_hardware(uint32_t state, const void *data, size_t length);

#endif
