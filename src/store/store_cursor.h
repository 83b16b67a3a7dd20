/* Cursor text of a log addressed by a 64-bit sequence (the SQLite store): "s" followed by the
 * decimal sequence, e.g. "s42". The letter leaves room for other stores' formats (a Redis
 * stream id would be written differently), so a cursor of another format is detectably foreign. */
#ifndef RT_STORE_CURSOR_H
#define RT_STORE_CURSOR_H

#include <stdint.h>

#include "store/store.h"

void store_seq_cursor_encode(uint64_t seq, char out[STORE_CURSOR_MAX]);
/* Returns 0 and *seq, or STORE_ERR_CURSOR_MALFORMED (NULL, empty, wrong letter, non-digits,
 * leading zeros, overflow, trailing bytes). */
int store_seq_cursor_decode(const char *cursor, uint64_t *seq);

#endif
