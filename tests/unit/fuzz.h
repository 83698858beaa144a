/* Shared by the fuzz targets and fuzz_driver.c. */
#ifndef PLACE_FUZZ_H
#define PLACE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

typedef struct fuzz_seed {
    const char *data;
    size_t len;
} fuzz_seed;

/* A seed from a string literal, embedded NULs included. */
#define SEED(s) {s, sizeof(s) - 1}

extern const fuzz_seed fuzz_seeds[];
extern const size_t fuzz_seed_count;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
