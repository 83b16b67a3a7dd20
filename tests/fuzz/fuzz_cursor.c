/* libFuzzer target for cursor decoding: any text decodes or is refused as malformed, and what
 * decodes is canonical (encoding the sequence again gives the same text). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    uint64_t seq = 0;
    int rc = store_seq_cursor_decode(text, &seq);
    if (rc == 0) {
        char again[STORE_CURSOR_MAX];
        store_seq_cursor_encode(seq, again);
        if (strcmp(again, text) != 0)
            abort();
    } else if (rc != STORE_ERR_CURSOR_MALFORMED) {
        abort();
    }
    free(text);
    return 0;
}
