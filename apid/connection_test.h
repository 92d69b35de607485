/*
 * apid/connection_test.h — GET /connection-test: who the credential belongs to and the store's health.
 */
#ifndef APID_CONNECTION_TEST_H
#define APID_CONNECTION_TEST_H

#include "apid/guard.h"

/* A protected handler (behind apid_guard, any scope). */
int apid_connection_test(struct http_call *call, const struct apid_identity *who);

#endif
