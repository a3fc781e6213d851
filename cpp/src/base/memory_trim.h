// Keeping the heap of a process that joins and leaves calls from growing with what it freed.
#pragma once

#include <chrono>

namespace otc {

// glibc's malloc keeps what a finished call freed (peer connections, codecs, jitter buffers)
// in its arenas, one per thread that allocated, and returns little of it on its own: RSS of a
// process joining and leaving calls kept climbing long after the memory in use was flat. This
// trims every arena (malloc_trim), at most once a second so a burst of deletes costs one walk
// (a skipped call is deferred to the end of that second, below). Call it on an application
// thread after a teardown (it takes each arena's lock in turn: never from a media thread).
// The media engine also calls it once a minute on its signaling thread, for what long calls
// free while they run. OTC_MALLOC_TRIM=0 in the environment turns it off (read once). A no-op
// without glibc.
void trim_freed_memory();

// A trim skipped by the once-a-second limit would leave what the last deletes of a burst freed
// in the arenas until some later delete: with a scheduler set, the skipped trim runs once the
// second is over instead (one in flight at a time). The scheduler calls run_scheduled_trim()
// after the delay on a thread of its choosing (never a media thread); the media engine sets one
// at otc_init (its signaling thread). A scheduler that drops the call (an engine torn down)
// only delays the next deferral by a few seconds.
using TrimScheduler = void (*)(std::chrono::milliseconds delay);
void set_trim_scheduler(TrimScheduler scheduler);
void run_scheduled_trim();

// Not done here: capping glibc's arenas (MALLOC_ARENA_MAX, M_ARENA_MAX). libwebrtc's threads each
// keep an arena of freed memory, and 2 arenas roughly halve what a join/leave churn retains
// (README, Benchmarks), but that is a process-wide choice a library must not make for its host:
// the operator sets MALLOC_ARENA_MAX=2 in the environment.

}  // namespace otc
