// Turns secrets into keys off the caller's thread: PBKDF2 takes tens of milliseconds, and
// otc_session_set_encryption_secret is called from event loops (Node's main thread) that must
// not stall. One thread per owner, started on first use; when secrets arrive faster than they
// can be derived, only the newest is derived.
//
// A process that exits while an owner is still alive (Node's process.exit() runs no cleanup of
// native objects) must not leave these threads running into OpenSSL's exit handlers: every
// installer thread is stopped and joined by an atexit handler registered after OpenSSL's.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "key_ring.h"
#include "secure_bytes.h"

namespace otc::e2ee {

class SecretInstaller {
 public:
  // Called on the installer's thread after each derivation: ok, and the new current epoch id.
  using Done = std::function<void(bool ok, uint32_t epoch_id)>;

  SecretInstaller(std::shared_ptr<KeyRing> ring, std::string session_id, Done done);
  // Waits for a derivation in progress (at most one PBKDF2), wipes a pending secret, joins.
  ~SecretInstaller();
  SecretInstaller(const SecretInstaller &) = delete;
  SecretInstaller &operator=(const SecretInstaller &) = delete;

  void submit(SecureString secret);
  bool on_own_thread() const { return std::this_thread::get_id() == thread_.get_id(); }
  // Blocks until no secret is pending or being derived (tests and teardown).
  void wait_idle();
  // Whether a secret is waiting or being derived. Checked after a Done callback, false means
  // that callback was the last one for now.
  bool pending();

 private:
  void run();
  void stop_and_join();
  static void stop_all_at_exit();

  const std::shared_ptr<KeyRing> ring_;
  const std::string session_id_;
  const Done done_;
  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::optional<SecureString> pending_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace otc::e2ee
