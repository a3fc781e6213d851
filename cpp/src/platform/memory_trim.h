// Handing freed heap memory back to the system after a session ends.
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

}  // namespace otc::platform
