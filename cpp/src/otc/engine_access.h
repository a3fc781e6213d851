// How publishers and subscribers reach the process's media engine (otc_init/otc_destroy).
#pragma once

#include <memory>

namespace otc {
namespace rtc {
class MediaEngine;
}
class MediaEndpoint;

// The running engine, or null before otc_init / after the last otc_destroy. Holders keep it
// alive past otc_destroy; they must let go on an application thread, never a libwebrtc one.
std::shared_ptr<rtc::MediaEngine> acquire_media_engine();

// Publishers and subscribers the application has not deleted: at process exit they are shut
// down (closing their peer connections) and the engine is torn down, before OpenSSL's own exit
// cleanup, which libwebrtc's threads would otherwise outlive.
void register_live_media(const std::weak_ptr<MediaEndpoint> &endpoint);

}  // namespace otc
