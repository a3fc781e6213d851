// The C++ session object behind otc_session: identity, callbacks, end-to-end encryption keys,
// and its link to the session server (session_link.h).
#pragma once

#include <otc/session.h>

#include <atomic>
#include <memory>
#include <string>

#include "../e2ee/key_ring.h"
#include "../e2ee/secret_installer.h"
#include "ice_config.h"
#include "session_link.h"

struct otc_session_settings {
  std::string signaling_url;
  otc::CustomIceConfig ice;  // otc_session_settings_set_custom_ice_config (ice_config.h)
  std::string ca_file;  // wss:// trusts these CAs instead of the system store (tls_options.h)
  std::string ca_pem;
  int reconnection_timeout_ms = 60000;  // otc_session_settings_set_reconnection_timeout; 0: never
  bool connection_events_suppressed = false;  // otc_session_settings_set_connection_events_suppressed
  otc::signaling::HttpProxy proxy;  // otc_session_settings_set_proxy_url (checked there)
};

struct otc_session {
  std::string api_key;
  std::string session_id;
  std::string signaling_url;  // from the settings; empty: OTC_SIGNALING_URL at connect
  std::string ca_file;        // from the settings; both empty: OTC_CA_FILE, else the system store
  std::string ca_pem;
  otc::CustomIceConfig ice;  // from the settings
  int reconnection_timeout_ms = 60000;  // from the settings; 0: a dropped link is not reconnected
  bool connection_events_suppressed = false;  // from the settings
  otc::signaling::HttpProxy proxy;  // from the settings; disabled: the signaling socket goes direct
  otc_session_callbacks callbacks{};
  // node-otc's addition, set after creation, read on the key derivation's thread.
  std::atomic<otc_session_encryption_key_ready_cb> on_encryption_key_ready{nullptr};
  // Likewise, read on the link's io thread.
  std::atomic<otc_session_mute_forced_cb> on_mute_forced{nullptr};
  std::shared_ptr<otc::e2ee::KeyRing> ring;
  std::atomic<bool> has_secret{false};
  std::unique_ptr<otc::SessionLink> link;
  std::unique_ptr<otc::e2ee::SecretInstaller> installer;  // declared last: its thread stops first
};
