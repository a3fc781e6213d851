// Routes libwebrtc's own log lines (RTC_LOG) into otc::log, i.e. to the application's
// otc_log_set_logger callback, instead of libwebrtc's default of printing to stderr.
#pragma once

#include "webrtc_build_guard.h"

#include <string>

#include <rtc_base/logging.h>

namespace otc::rtc {

class WebrtcLogForwarder final : public ::rtc::LogSink {
 public:
  // Installs itself for the lifetime of the object and silences libwebrtc's stderr output,
  // which the archive (a debug-checks build) turns on at LS_INFO by default.
  WebrtcLogForwarder();
  ~WebrtcLogForwarder() override;

  WebrtcLogForwarder(const WebrtcLogForwarder&) = delete;
  WebrtcLogForwarder& operator=(const WebrtcLogForwarder&) = delete;

  using ::rtc::LogSink::OnLogMessage;
  void OnLogMessage(const std::string& message, ::rtc::LoggingSeverity severity) override;
  void OnLogMessage(const std::string& message) override;
};

}  // namespace otc::rtc
