// Per-environment state of the addon (main thread and each worker thread have their own), kept
// as Node-API instance data so nothing is shared across environments.
#pragma once

#include <napi.h>

#include <set>

namespace otc_addon {

class PublisherWrap;
class SubscriberWrap;

struct AddonData {
  Napi::FunctionReference frame_cryptor_class;
  Napi::FunctionReference session_class;
  Napi::FunctionReference publisher_class;
  Napi::FunctionReference subscriber_class;
  // The publishers and subscribers of this environment not yet deleted (each adds itself when
  // made and removes itself when deleted), for shutdownMedia().
  std::set<PublisherWrap *> publishers;
  std::set<SubscriberWrap *> subscribers;
};

AddonData &addon_data(Napi::Env env);

}  // namespace otc_addon
