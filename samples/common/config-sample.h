// Copy this file to config.h (next to it, or anywhere and pass -DSAMPLES_CONFIG=/path/config.h
// to CMake) and fill in what your session server gave you. Each value may also be given at run
// time in the environment (OTC_SAMPLE_API_KEY, OTC_SAMPLE_SESSION_ID, OTC_SAMPLE_TOKEN,
// OTC_SAMPLE_ENCRYPTION_SECRET, OTC_SAMPLE_TURN_URL, OTC_SAMPLE_TURN_USERNAME,
// OTC_SAMPLE_TURN_CREDENTIAL), which wins over what is compiled in: one build, many sessions.
#pragma once

#define API_KEY ""
#define SESSION_ID ""
#define TOKEN ""
// The secret of end-to-end encrypted sessions (at least 8 characters).
#define ENCRYPTION_SECRET ""
// configurable_turn_servers only: one TURN server and its credentials.
#define TURN_URL ""
#define TURN_USERNAME ""
#define TURN_CREDENTIAL ""
