// OTC_MEDIA_CHECK_REPORT (otc/media.h): one JSON line per ended subscription and publication,
// appended to the file the variable names, so that programs which cannot call the media check
// (unmodified SDK applications) can still be judged by what they received and sent.
//
// Lines are queued and written by a short-lived thread of their own: the caller (the session's
// io thread, an application thread) never waits on the file. The queue is bounded; lines beyond
// it are dropped and counted in the next line written.
#pragma once

#include <string>

namespace otc {

// The variable's value when set and not empty, else an empty string (read on each call: the
// report is written rarely, and tests change the variable between runs).
std::string media_report_path();

// Queues one line (without its newline) for path. Never blocks on I/O.
void media_report_append(const std::string &path, std::string line);

// Waits, at most about two seconds, until every queued line is written (otc_destroy).
void media_report_flush();

// JSON string literal of text (quotes included), escaping what JSON requires.
std::string media_report_quote(const std::string &text);

}  // namespace otc
