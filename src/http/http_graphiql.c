/* GraphiQL's page and assets from the table embedded at build time. Each asset is stored once,
 * gzip-compressed; the rare client that does not accept gzip gets it inflated per request
 * (the embedded copy stays the only one, and browsers all accept gzip). */
#include "http/http_graphiql.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "http/http_graphiql_assets.h"

/* Revalidated on every use: a rebuilt binary serves new assets under the same names. */
#define CACHE_CONTROL "cache-control: no-cache\r\n"

static const char no_graphiql_page[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>GraphiQL not built</title></head>\n"
    "<body style=\"font-family: sans-serif; max-width: 42em; margin: 3em auto\">\n"
    "<h1>GraphiQL is not part of this build</h1>\n"
    "<p>This binary was built without Node.js, so the GraphiQL page could not be bundled into it.\n"
    "To get it, install Node 20 or later, then in the source tree run</p>\n"
    "<pre>npm ci\ncmake -S . -B build\ncmake --build build</pre>\n"
    "<p>and restart the server. The GraphQL API itself works without it: POST /v1/graphql over HTTP and\n"
    "graphql-transport-ws on /v1/graphql.</p>\n</body></html>\n";

bool http_graphiql_route(const char *path) { return !strcmp(path, "/graphiql") || !strncmp(path, "/graphiql/", 10); }

/* The q value of one Accept-Encoding element's parameters ("; q=0.5"), 1 when absent. */
static double element_q(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            char num[16];
            size_t n = (size_t)(end - (p + 2));
            if (n >= sizeof num)
                n = sizeof num - 1;
            memcpy(num, p + 2, n);
            num[n] = '\0';
            char *stop = NULL;
            double q = strtod(num, &stop);
            return stop == num || q < 0 ? 0 : q;
        }
        while (p < end && *p != ';')
            p++;
    }
    return 1;
}

bool http_graphiql_accepts_gzip(const char *ae)
{
    double gzip_q = -1, star_q = -1;
    for (const char *p = ae ? ae : ""; *p;) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        const char *s = p;
        while (*p && *p != ',')
            p++;
        const char *name_end = s;
        while (name_end < p && *name_end != ';' && *name_end != ' ' && *name_end != '\t')
            name_end++;
        size_t n = (size_t)(name_end - s);
        double q = element_q(name_end, p);
        if ((n == 4 && !strncasecmp(s, "gzip", 4)) || (n == 6 && !strncasecmp(s, "x-gzip", 6)))
            gzip_q = q;
        else if (n == 1 && *s == '*')
            star_q = q;
    }
    return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

bool http_graphiql_etag_matches(const char *inm, const char *etag)
{
    size_t elen = strlen(etag);
    for (const char *p = inm ? inm : ""; *p;) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (*p == '*')
            return true;
        /* Weak comparison (RFC 9110 13.1.2): a W/ prefix does not matter. */
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        const char *s = p;
        while (*p && *p != ',')
            p++;
        const char *e = p;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - s) == elen && !memcmp(s, etag, elen))
            return true;
    }
    return false;
}

static const http_graphiql_asset_t *find_asset(const char *path)
{
    /* "/graphiql/" is the page too, as a browser may write it. */
    if (!strcmp(path, "/graphiql/"))
        path = "/graphiql";
    for (size_t i = 0; i < http_graphiql_asset_count; i++)
        if (!strcmp(http_graphiql_assets[i].path, path))
            return &http_graphiql_assets[i];
    return NULL;
}

/* Inflates an asset into out. Returns 0 or -1. */
static int inflate_asset(const http_graphiql_asset_t *a, rt_buf_t *out)
{
    if (rt_buf_reserve(out, a->raw_len + 1) < 0)
        return -1;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return -1;
    zs.next_in = (Bytef *)a->gz;
    zs.avail_in = (uInt)a->gz_len;
    zs.next_out = (Bytef *)out->data;
    zs.avail_out = (uInt)a->raw_len;
    int rc = inflate(&zs, Z_FINISH);
    size_t got = a->raw_len - zs.avail_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || got != a->raw_len)
        return -1;
    out->len = got;
    return 0;
}

static void serve_asset(http_exchange_t *x, const http_graphiql_asset_t *a)
{
    const http_request_t *req = http_exchange_request(x);
    bool gz = http_graphiql_accepts_gzip(req->header(req->header_ctx, "accept-encoding"));
    /* The two encodings are different representations, so they carry different tags. */
    char etag[80], headers[256];
    snprintf(etag, sizeof etag, "\"%s%s\"", a->etag, gz ? "-gz" : "");
    snprintf(headers, sizeof headers, "etag: %s\r\n" CACHE_CONTROL "vary: accept-encoding\r\n%s", etag,
             gz ? "content-encoding: gzip\r\n" : "");
    if (http_graphiql_etag_matches(req->header(req->header_ctx, "if-none-match"), etag)) {
        http_exchange_respond(x, 304, a->content_type, NULL, headers);
        return;
    }
    rt_buf_t body = RT_BUF_INIT;
    int rc = gz ? rt_buf_append(&body, a->gz, a->gz_len) : inflate_asset(a, &body);
    if (rc < 0) {
        rt_buf_free(&body);
        http_respond_error(x, 500, "Internal error");
        return;
    }
    http_exchange_respond(x, 200, a->content_type, &body, headers);
}

void http_graphiql_handle(rt_server_t *srv, http_exchange_t *x)
{
    const http_request_t *req = http_exchange_request(x);
    if (!srv->cfg.graphiql) {
        http_respond_error(x, 404, "Not found");
        return;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        rt_buf_t b = RT_BUF_INIT;
        rt_buf_puts(&b, "{\"error\":\"Method not allowed\"}");
        http_exchange_respond(x, 405, "application/json", &b, "allow: GET, HEAD\r\n");
        return;
    }
    if (http_graphiql_asset_count == 0 && (!strcmp(req->path, "/graphiql") || !strcmp(req->path, "/graphiql/"))) {
        rt_buf_t b = RT_BUF_INIT;
        rt_buf_puts(&b, no_graphiql_page);
        http_exchange_respond(x, 200, "text/html; charset=utf-8", &b, "cache-control: no-cache\r\n");
        return;
    }
    const http_graphiql_asset_t *a = find_asset(req->path);
    if (!a) {
        http_respond_error(x, 404, "Not found");
        return;
    }
    serve_asset(x, a);
}
