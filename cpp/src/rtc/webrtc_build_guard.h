// Include first in every file that includes a libwebrtc (tg_owt) header.
//
// The Debian archive was built without NDEBUG, i.e. with RTC_DCHECK_IS_ON=1 and the debug-only
// members that come with it (SequenceChecker, rtc::Thread, PhysicalSocketServer, ...). A
// translation unit that sees NDEBUG gets other class layouts than the archive and corrupts
// memory at run time, so refuse to compile instead. Build systems strip NDEBUG
// (cmake/libwebrtc.cmake, gyp/libwebrtc.gypi).
#pragma once

#if defined(NDEBUG)
#error "NDEBUG must not be defined where libwebrtc headers are included: libtg_owt.a was built with RTC_DCHECK_IS_ON=1"
#endif

#if !defined(WEBRTC_POSIX) || !defined(WEBRTC_LINUX)
#error "libwebrtc headers need WEBRTC_POSIX and WEBRTC_LINUX (see cmake/libwebrtc.cmake)"
#endif
