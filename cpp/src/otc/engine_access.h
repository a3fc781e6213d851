// How publishers and subscribers reach the process's media engine (otc_init/otc_destroy).
#pragma once

#include <memory>

namespace otc {
namespace rtc {
class MediaEngine;
}

// The running engine, or null before otc_init / after the last otc_destroy. Holders keep it
// alive past otc_destroy; they must let go on an application thread, never a libwebrtc one.
std::shared_ptr<rtc::MediaEngine> acquire_media_engine();

}  // namespace otc
