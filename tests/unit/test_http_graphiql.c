/* GraphiQL's request-header parsing: Accept-Encoding (gzip or not, with q values) and
 * If-None-Match (lists, weak tags, "*"), including malformed and oversized values. */
#include <stdlib.h>

#include "http/http_graphiql.h"
#include "rt_test.h"

RT_TEST(gzip_accepted_plainly)
{
    CHECK(http_graphiql_accepts_gzip("gzip"));
    CHECK(http_graphiql_accepts_gzip("gzip, deflate, br"));
    CHECK(http_graphiql_accepts_gzip("br;q=1.0, GZIP;q=0.5"));
    CHECK(http_graphiql_accepts_gzip("x-gzip"));
    CHECK(http_graphiql_accepts_gzip("*"));
    CHECK(http_graphiql_accepts_gzip("identity;q=1, *;q=0.1"));
}

RT_TEST(gzip_refused)
{
    CHECK(!http_graphiql_accepts_gzip(NULL));
    CHECK(!http_graphiql_accepts_gzip(""));
    CHECK(!http_graphiql_accepts_gzip("identity"));
    CHECK(!http_graphiql_accepts_gzip("deflate, br"));
    CHECK(!http_graphiql_accepts_gzip("gzip;q=0"));
    CHECK(!http_graphiql_accepts_gzip("gzip; q=0.000"));
    CHECK(!http_graphiql_accepts_gzip("*, gzip;q=0"));
    CHECK(!http_graphiql_accepts_gzip("*;q=0"));
    CHECK(!http_graphiql_accepts_gzip("gzipx, xgzip"));
}

RT_TEST(gzip_malformed_values_do_not_crash)
{
    CHECK(!http_graphiql_accepts_gzip(",,,;;;"));
    CHECK(!http_graphiql_accepts_gzip("gzip;q="));
    CHECK(!http_graphiql_accepts_gzip("gzip;q=abc"));
    CHECK(!http_graphiql_accepts_gzip("gzip;q=-1"));
    CHECK(http_graphiql_accepts_gzip("gzip;;q=0.5;"));
    CHECK(http_graphiql_accepts_gzip("gzip;q=0.50000000000000000000000000001"));
    size_t n = 100000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 3 == 2 ? ',' : ';';
    big[n] = '\0';
    CHECK(!http_graphiql_accepts_gzip(big));
    CHECK(!http_graphiql_etag_matches(big, "\"abc\""));
    free(big);
}

RT_TEST(etag_lists)
{
    CHECK(http_graphiql_etag_matches("\"abc\"", "\"abc\""));
    CHECK(http_graphiql_etag_matches("\"x\", \"abc\"", "\"abc\""));
    CHECK(http_graphiql_etag_matches("W/\"abc\"", "\"abc\""));
    CHECK(http_graphiql_etag_matches("*", "\"abc\""));
    CHECK(http_graphiql_etag_matches("\"abc\" ", "\"abc\""));
    CHECK(!http_graphiql_etag_matches(NULL, "\"abc\""));
    CHECK(!http_graphiql_etag_matches("", "\"abc\""));
    CHECK(!http_graphiql_etag_matches("\"abc-gz\"", "\"abc\""));
    CHECK(!http_graphiql_etag_matches("\"ab\"", "\"abc\""));
    CHECK(!http_graphiql_etag_matches("abc", "\"abc\""));
    CHECK(!http_graphiql_etag_matches("W/", "\"abc\""));
    CHECK(!http_graphiql_etag_matches(",,, ,", "\"abc\""));
}

RT_TEST(routes)
{
    CHECK(http_graphiql_route("/graphiql"));
    CHECK(http_graphiql_route("/graphiql/"));
    CHECK(http_graphiql_route("/graphiql/graphiql.js"));
    CHECK(!http_graphiql_route("/graphiqlx"));
    CHECK(!http_graphiql_route("/v1/graphql"));
}

RT_TEST_MAIN()
