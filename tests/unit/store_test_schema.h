/* The node schema the store tests run on: the served schema's generated tables, so the record
 * types and their fields are written once, in the SDL under schema/. */
#ifndef STORE_TEST_SCHEMA_H
#define STORE_TEST_SCHEMA_H

#include "gql_schema_gen.h"

#define test_node_schema gql_schema_blobhub

#endif
