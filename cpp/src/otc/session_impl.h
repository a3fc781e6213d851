// The C++ session object behind otc_session: identity, callbacks, end-to-end encryption keys,
// and its link to the session server (session_link.h).
#pragma once

#include <otc/session.h>

#include <atomic>
#include <memory>
#include <string>

#include "../e2ee/key_ring.h"
#include "../e2ee/secret_installer.h"
#include "session_link.h"

struct otc_session_settings {
  std::string signaling_url;
  std::string ca_file;  // wss:// trusts these CAs instead of the system store (tls_options.h)
  std::string ca_pem;
};

struct otc_session {
  std::string api_key;
  std::string session_id;
  std::string signaling_url;  // from the settings; empty: OTC_SIGNALING_URL at connect
  std::string ca_file;        // from the settings; both empty: OTC_CA_FILE, else the system store
  std::string ca_pem;
  otc_session_callbacks callbacks{};
  std::shared_ptr<otc::e2ee::KeyRing> ring;
  std::atomic<bool> has_secret{false};
  std::unique_ptr<otc::SessionLink> link;
  std::unique_ptr<otc::e2ee::SecretInstaller> installer;  // declared last: its thread stops first
};
