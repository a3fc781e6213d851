#include "secret_installer.h"

#include <cstdlib>
#include <set>

#include "key_derivation.h"

namespace otc::e2ee {

namespace {

// Installers whose thread may be running. Never destroyed: the atexit handler may run after
// static destructors of this library.
std::mutex &registry_mutex() {
  static auto *mutex = new std::mutex;
  return *mutex;
}
std::set<SecretInstaller *> &registry() {
  static auto *installers = new std::set<SecretInstaller *>;
  return *installers;
}

}  // namespace

// Lock order, everywhere: the registry, then an installer's own mutex.
void SecretInstaller::stop_all_at_exit() {
  // Holding the registry lock while joining: a concurrent destructor waits here, then finds its
  // thread joined already.
  std::lock_guard<std::mutex> lock(registry_mutex());
  for (SecretInstaller *installer : registry()) installer->stop_and_join();
}

void SecretInstaller::stop_and_join() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    pending_.reset();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SecretInstaller::SecretInstaller(std::shared_ptr<KeyRing> ring, std::string session_id, Done done)
    : ring_(std::move(ring)), session_id_(std::move(session_id)), done_(std::move(done)) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  // Registered on first use, so after OpenSSL's own exit handler: it runs first.
  static const bool registered = std::atexit(&SecretInstaller::stop_all_at_exit) == 0;
  (void)registered;
  registry().insert(this);
}

SecretInstaller::~SecretInstaller() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry().erase(this);
  stop_and_join();
}

void SecretInstaller::submit(SecureString secret) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return;
  pending_ = std::move(secret);  // a secret still waiting is replaced (and wiped)
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  wake_.notify_one();
}

void SecretInstaller::wait_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [&] { return stopping_ || (!pending_ && !busy_); });
}

bool SecretInstaller::pending() {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_.has_value() || busy_;
}

void SecretInstaller::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || pending_.has_value(); });
    if (stopping_) break;
    SecureString secret = std::move(*pending_);
    pending_.reset();
    busy_ = true;
    lock.unlock();

    auto key = derive_base_key(secret.view(), session_id_);
    secret.wipe();
    const bool ok = key && ring_->install(std::move(*key));
    auto current = ok ? ring_->current() : nullptr;

    // Not busy any more before reporting: a listener that asks pending() from the callback, or
    // right after it, must learn whether another report will follow.
    lock.lock();
    busy_ = false;
    if (!pending_) idle_.notify_all();
    lock.unlock();
    if (done_) done_(ok, current ? current->id : 0);
    lock.lock();
  }
  busy_ = false;
  idle_.notify_all();
}

}  // namespace otc::e2ee
