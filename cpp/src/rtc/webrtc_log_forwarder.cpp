#include "webrtc_log_forwarder.h"

#include "../base/log.h"

namespace otc::rtc {
namespace {

// libwebrtc's INFO is chatty (per-call setup details), so it counts as our DEBUG.
otc_log_level ToOtcLevel(::rtc::LoggingSeverity severity) {
  switch (severity) {
    case ::rtc::LS_ERROR:
      return OTC_LOG_LEVEL_ERROR;
    case ::rtc::LS_WARNING:
      return OTC_LOG_LEVEL_WARN;
    default:
      return OTC_LOG_LEVEL_DEBUG;
  }
}

void Forward(otc_log_level level, const std::string& message) {
  if (!otc::log_enabled(level)) return;
  size_t length = message.size();
  while (length > 0 && (message[length - 1] == '\n' || message[length - 1] == '\r')) --length;
  otc::log(level, "webrtc: %.*s", static_cast<int>(length), message.data());
}

}  // namespace

WebrtcLogForwarder::WebrtcLogForwarder() {
  ::rtc::LogMessage::LogToDebug(::rtc::LS_NONE);
  // Severity filtering happens in Forward against the application's current level, which can
  // change at any time; INFO here keeps everything that could be asked for available.
  ::rtc::LogMessage::AddLogToStream(this, ::rtc::LS_INFO);
}

WebrtcLogForwarder::~WebrtcLogForwarder() { ::rtc::LogMessage::RemoveLogToStream(this); }

void WebrtcLogForwarder::OnLogMessage(const std::string& message,
                                      ::rtc::LoggingSeverity severity) {
  Forward(ToOtcLevel(severity), message);
}

// Only reached by callers that give no severity; treat such lines as informational.
void WebrtcLogForwarder::OnLogMessage(const std::string& message) {
  Forward(OTC_LOG_LEVEL_DEBUG, message);
}

}  // namespace otc::rtc
