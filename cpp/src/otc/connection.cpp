// C API: otc_connection_* getters.
#include "connection.h"

#include <new>

extern "C" {

const char *otc_connection_get_id(const otc_connection *connection) {
  return connection ? connection->info.connection_id.c_str() : nullptr;
}

const char *otc_connection_get_data(const otc_connection *connection) {
  return connection ? connection->info.data.c_str() : nullptr;
}

int64_t otc_connection_get_creation_time(const otc_connection *connection) {
  return connection ? connection->info.creation_time : 0;
}

const char *otc_connection_get_session_id(const otc_connection *connection) {
  return connection ? connection->session_id.c_str() : nullptr;
}

otc_connection *otc_connection_copy(const otc_connection *connection) {
  return connection ? new (std::nothrow) otc_connection(*connection) : nullptr;
}

otc_status otc_connection_delete(otc_connection *connection) {
  if (!connection) return OTC_INVALID_PARAM;
  delete connection;
  return OTC_SUCCESS;
}

const char *otc_connection_get_destroyed_reason(const otc_connection *connection) {
  return connection ? connection->destroyed.reason : nullptr;
}

otc_status otc_connection_get_destroyed_code(const otc_connection *connection) {
  return connection ? connection->destroyed.code : OTC_SESSION_NULL_OR_INVALID_PARAMETER;
}

}  // extern "C"
