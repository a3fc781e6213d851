/* node-otc, Linux SDK interface: the basic types, the generic error codes, starting and stopping
 * the library, and its log.
 *
 * Log levels carry SDK 2.19.1's numbers, like every layout and value of this interface, so that a
 * program compiled against that SDK asks for the same level here. The SDK's newest releases
 * renumber them 0-4 (ERROR 1 ... DEBUG 4, the other names aliases): a binary built against those
 * headers and relinked to this library asks for less verbose logging than it meant; recompiled
 * against these headers, it behaves the same. */
#ifndef OTC_SDK_BASE_H
#define OTC_SDK_BASE_H

#include <stddef.h>

#include "config.h"

OTC_BEGIN_DECL

typedef int otc_bool;
typedef int otc_status;

enum otc_constant {
  OTC_SUCCESS = 0,
  OTC_FALSE = 0,
  OTC_TRUE = 1
};

/* Generic codes, reported where no session, publisher or subscriber code fits. */
enum otc_error_code {
  OTC_INVALID_PARAM = 1,
  OTC_FATAL = 2,
  OTC_INVALID_VIDEO_FORMAT = 3,
  OTC_CONNECTION_DROPPED = 1022,
  OTC_UNABLE_TO_FORCE_DISCONNECT = 1520,
  OTC_UNABLE_TO_FORCE_MUTE = 1540,
  OTC_CONNECTION_TIMED_OUT = 1542,
  OTC_UNKNOWN_PUBLISHER_INSTANCE = 2003,
  OTC_UNKNOWN_SUBSCRIBER_INSTANCE = 2004,
  OTC_VIDEO_CAPTURE_FAILED = 3000,
  OTC_CAMERA_FAILED = 3010,
  OTC_VIDEO_RENDER_FAILED = 4000,
  OT_UNABLE_TO_ACCESS_MEDIA_ENGINE = 5000
};

/* What a session's forced-mute callback is told (node-otc: otc_session_set_mute_forced_callback,
 * otc/session.h): active is OTC_TRUE when a moderator turned the session's mute state on or muted
 * one of this client's streams, OTC_FALSE when the mute state went off. */
struct otc_on_mute_forced_info {
  otc_bool active;
};

/* Each level logs itself and every level below it (more severe). */
enum otc_log_level {
  OTC_LOG_LEVEL_DISABLED = 0,
  OTC_LOG_LEVEL_FATAL = 2,
  OTC_LOG_LEVEL_ERROR = 3,
  OTC_LOG_LEVEL_WARN = 4,
  OTC_LOG_LEVEL_INFO = 5,
  OTC_LOG_LEVEL_DEBUG = 6,
  OTC_LOG_LEVEL_MSG = 7,
  OTC_LOG_LEVEL_TRACE = 8,
  OTC_LOG_LEVEL_ALL = 100
};

/* Receives one log line, on whichever internal thread logged it; the text is valid during the
 * call only. */
typedef void (*otc_logger_callback)(const char *message);

/* Starts the media engine (libwebrtc's threads and one peer connection factory). Calls nest: each
 * otc_init needs its otc_destroy. reserved must be NULL. */
OTC_DECL(otc_status) otc_init(void *reserved);

/* Undoes one otc_init; the last one stops the engine and joins its threads. */
OTC_DECL(otc_status) otc_destroy(void);

/* Where log lines go (NULL: nowhere, the default). Lines up to the level set with
 * otc_log_enable are passed. */
OTC_DECL(void) otc_log_set_logger_callback(otc_logger_callback callback);

/* The most verbose level logged; OTC_LOG_LEVEL_DISABLED (the default) logs nothing. */
OTC_DECL(void) otc_log_enable(enum otc_log_level log_level);

/* The level set with otc_log_enable (or with node-otc's otc_log_set_logger). */
OTC_DECL(enum otc_log_level) otc_get_log_level(void);

OTC_END_DECL

#endif /* OTC_SDK_BASE_H */
