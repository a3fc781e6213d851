// Keeping the heap of a process that joins and leaves calls from growing with what it freed.
#pragma once

namespace otc::platform {

// glibc's malloc keeps what a finished call freed (peer connections, codecs, jitter buffers)
// in its arenas, one per thread that allocated, and returns little of it on its own: RSS of a
// process joining and leaving calls kept climbing long after the memory in use was flat. This
// trims every arena (malloc_trim), at most once a second so a burst of deletes costs one walk;
// whatever a skipped call would have returned goes at the next one. Call it on an application
// thread after a teardown (it takes each arena's lock in turn: never from a media thread).
// OTC_MALLOC_TRIM=0 in the environment turns it off (read once). A no-op without glibc.
void trim_freed_memory();

// libwebrtc runs a dozen threads per call, and glibc gives allocating threads arenas of their
// own (up to 8 per core), each keeping its own free memory and fragmenting on its own: measured
// over 300 join/leave cycles on 2 cores, RSS less what is file-backed was 20-29 MB with the
// default arenas against 9-14 MB with 2, for the same 2.4-3 MB in use. At the first otc_init,
// unless MALLOC_ARENA_MAX is set (the operator's choice wins) or OTC_MALLOC_TRIM=0: at most
// one arena per core (2 at least). glibc fixes its limit once, when a thread first needs an
// arena beyond the 8th: a host that already made that many keeps its default. It is process-wide (a
// Node host's threads share it), the cost is more lock contention between allocating threads.
void limit_malloc_arenas();

}  // namespace otc::platform
