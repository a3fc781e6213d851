// Per-environment state of the addon (main thread and each worker thread have their own), kept
// as Node-API instance data so nothing is shared across environments.
#pragma once

#include <napi.h>

#include <array>
#include <cstddef>
#include <set>

namespace otc_addon {

// What a wrapper (native_wrap.h) is to the registry: something that can be ended now.
class Teardown {
 public:
  virtual void teardown() = 0;

 protected:
  ~Teardown() = default;
};

// The kinds of wrappers, in the order shutdownMedia() ends them: subscribers, then publishers
// (a subscriber may receive a publisher of the same process).
enum class Rank : std::size_t { subscriber, publisher, session, frame_cryptor, count };

struct AddonData {
  Napi::FunctionReference frame_cryptor_class;  // FrameCryptor.create() makes instances
  // The wrappers of this environment not yet ended, by kind (each adds itself when it owns its C
  // object and removes itself when it ends).
  std::array<std::set<Teardown *>, static_cast<std::size_t>(Rank::count)> live;
  std::set<Teardown *> &registry(Rank rank) { return live[static_cast<std::size_t>(rank)]; }
};

AddonData &addon_data(Napi::Env env);

}  // namespace otc_addon
