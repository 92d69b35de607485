/*
 * apid/index.h — GET /cartman/v1/: the API index (store name, version, how to authenticate, routes).
 */
#ifndef APID_INDEX_H
#define APID_INDEX_H

#include <stddef.h>

#include "common/http_server.h"

/* The route table the index lists, under its canonical prefix. Call once before serving. */
void apid_index_set_routes(const struct http_route *routes, size_t n, const char *prefix);

int apid_index(struct http_call *call);

#endif
