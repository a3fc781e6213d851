// The C API's logging entry points; the logging itself lives in base/ so lower layers can log.
#include <otc/base.h>

#include "../base/log.h"

extern "C" void otc_log_set_logger(otc_logger_func logger, otc_log_level level, void *user_data) {
  otc::set_log_sink(logger, level, user_data);
}

extern "C" void otc_log_set_logger_callback(otc_logger_callback callback) { otc::set_log_callback(callback); }

extern "C" void otc_log_enable(enum otc_log_level log_level) { otc::set_log_level(log_level); }

extern "C" enum otc_log_level otc_get_log_level(void) { return otc::log_level(); }
