/* node-otc, Linux SDK interface: connections (a client's presence in a session). */
#ifndef OTC_SDK_CONNECTION_H
#define OTC_SDK_CONNECTION_H

#include "base.h"
#include "config.h"

OTC_BEGIN_DECL

/* Opaque. The library owns the connections its callbacks hand over: they are valid during the
 * callback; otc_connection_copy makes one that lives until otc_connection_delete. */
typedef struct otc_connection otc_connection;

OTC_DECL(const char *) otc_connection_get_id(const otc_connection *connection);
/* Milliseconds since the epoch when the client connected, as the session server says. */
OTC_DECL(int64_t) otc_connection_get_creation_time(const otc_connection *connection);
/* The data the token carries (the token's connection data), "" when none. */
OTC_DECL(const char *) otc_connection_get_data(const otc_connection *connection);
/* The id of the session the connection belongs to. */
OTC_DECL(const char *) otc_connection_get_session_id(const otc_connection *connection);
/* A copy owned by the caller; NULL for NULL or when out of memory. */
OTC_DECL(otc_connection *) otc_connection_copy(const otc_connection *connection);
/* Frees a copy. NULL is OTC_INVALID_PARAM. */
OTC_DECL(otc_status) otc_connection_delete(otc_connection *connection);

OTC_END_DECL

#endif /* OTC_SDK_CONNECTION_H */
