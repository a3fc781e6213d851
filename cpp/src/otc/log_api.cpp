// The C API's logging entry point; the logging itself lives in base/ so lower layers can log.
#include <otc/base.h>

#include "../base/log.h"

extern "C" void otc_log_set_logger(otc_logger_func logger, otc_log_level level, void *user_data) {
  otc::set_log_sink(logger, level, user_data);
}
