/* The GraphiQL assets embedded in the binary: a table generated at build time into the build
 * tree (src/http/graphiql/build.mjs), or an empty one when the build had no Node. */
#ifndef RT_HTTP_GRAPHIQL_ASSETS_H
#define RT_HTTP_GRAPHIQL_ASSETS_H

#include <stddef.h>

typedef struct http_graphiql_asset {
    const char *path;         /* URL path, "/graphiql" for the page */
    const char *content_type; /* of the uncompressed content */
    const unsigned char *gz;  /* the content, gzip-compressed */
    size_t gz_len;
    size_t raw_len;   /* uncompressed length */
    const char *etag; /* hex hash of the uncompressed content, unquoted */
} http_graphiql_asset_t;

extern const http_graphiql_asset_t http_graphiql_assets[];
extern const size_t http_graphiql_asset_count; /* 0: built without GraphiQL */

#endif
