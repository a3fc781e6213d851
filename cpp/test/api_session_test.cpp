// otc_session and its encryption secret: set_encryption_secret never blocks the caller for
// PBKDF2, the key arrives through on_encryption_key_ready on an internal thread, the newest
// secret wins, and deleting a session with a derivation in flight is safe.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "test_support.h"

using namespace otc_test;
using namespace std::chrono_literals;

namespace {

constexpr const char *kSessionId = "1_MX40NjAwfn5zZXNzaW9uLXRlc3Q";

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

uint32_t expected_epoch(const char *session_id, const char *secret) {
  uint8_t key[32];
  EXPECT_EQ(otc_e2ee_derive_base_key(session_id, secret, key), OTC_SUCCESS);
  uint32_t epoch = 0;
  EXPECT_EQ(otc_e2ee_epoch_id(key, &epoch), OTC_SUCCESS);
  return epoch;
}

// What the callbacks saw.
struct Recorder {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<uint32_t> epochs;
  std::vector<std::thread::id> threads;
  std::vector<otc_session *> sessions;
  int errors = 0;
  std::vector<otc_bool> pending_in_callback;
  otc_status delete_from_callback = -1;
  bool try_delete_in_callback = false;

  static void on_key_ready(otc_session *session, void *user, uint32_t epoch) {
      auto *r = static_cast<Recorder *>(user);
      otc_status del = -1;
      if (r->try_delete_in_callback) del = otc_session_delete(session);
      const otc_bool pending = otc_session_encryption_key_pending(session);
      std::lock_guard<std::mutex> lock(r->mutex);
      r->epochs.push_back(epoch);
      r->threads.push_back(std::this_thread::get_id());
      r->sessions.push_back(session);
      r->pending_in_callback.push_back(pending);
      if (r->try_delete_in_callback) r->delete_from_callback = del;
      r->cv.notify_all();
  }
  otc_session_callbacks callbacks() {
    otc_session_callbacks cb{};
    cb.on_error = [](otc_session *, void *user, const char *, otc_session_error_code) {
      auto *r = static_cast<Recorder *>(user);
      std::lock_guard<std::mutex> lock(r->mutex);
      ++r->errors;
      r->cv.notify_all();
    };
    cb.user_data = this;
    return cb;
  }
  bool wait_for_epoch(uint32_t epoch, std::chrono::milliseconds timeout = 20s) {
    std::unique_lock<std::mutex> lock(mutex);
    return cv.wait_for(lock, timeout, [&] { return !epochs.empty() && epochs.back() == epoch; });
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return epochs.size();
  }
};

// A session with the recorder's callbacks, node-otc's key-ready one included (set right after
// creation, before any secret).
otc_session *new_session(const char *session_id, const otc_session_callbacks *cb) {
  otc_session *session = otc_session_new("api-key", session_id, cb);
  if (session && cb) otc_session_set_encryption_key_ready_callback(session, Recorder::on_key_ready);
  return session;
}

TEST(Session, NewKeepsItsIdAndStartsWithoutSecret) {
  Recorder rec;
  const auto cb = rec.callbacks();
  SessionPtr s(new_session(kSessionId, &cb));
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(otc_session_get_id(s.get()), kSessionId);
  EXPECT_EQ(otc_session_has_encryption_secret(s.get()), OTC_FALSE);
  uint32_t epoch;
  EXPECT_EQ(otc_session_get_encryption_epoch(s.get(), &epoch), OTC_E2EE_KEY_NOT_READY);
}

TEST(Session, SetSecretReturnsAtOnceAndTheKeyArrivesOnAnotherThread) {
  const uint32_t expected = expected_epoch(kSessionId, kSecretA);
  // How long PBKDF2 takes here, for comparison.
  auto t = std::chrono::steady_clock::now();
  uint8_t scratch[32];
  ASSERT_EQ(otc_e2ee_derive_base_key(kSessionId, kSecretA, scratch), OTC_SUCCESS);
  const double pbkdf2_ms = ms_since(t);

  Recorder rec;
  const auto cb = rec.callbacks();
  SessionPtr s(new_session(kSessionId, &cb));
  ASSERT_NE(s, nullptr);
  t = std::chrono::steady_clock::now();
  ASSERT_EQ(otc_session_set_encryption_secret(s.get(), kSecretA), OTC_SUCCESS);
  const double call_ms = ms_since(t);
  EXPECT_LT(call_ms, 10.0) << "set_encryption_secret must not run PBKDF2 (" << pbkdf2_ms << " ms) on the caller";
  EXPECT_EQ(otc_session_has_encryption_secret(s.get()), OTC_TRUE) << "a secret was set (it may still derive)";

  ASSERT_TRUE(rec.wait_for_epoch(expected)) << "on_encryption_key_ready never reported the epoch";
  uint32_t epoch = 0;
  ASSERT_EQ(otc_session_get_encryption_epoch(s.get(), &epoch), OTC_SUCCESS);
  EXPECT_EQ(epoch, expected);
  std::lock_guard<std::mutex> lock(rec.mutex);
  ASSERT_EQ(rec.epochs.size(), 1u);
  EXPECT_NE(rec.threads[0], std::this_thread::get_id()) << "the callback must run on an internal thread";
  EXPECT_EQ(rec.sessions[0], s.get());
  EXPECT_EQ(rec.errors, 0);
}

TEST(Session, KeyPendingWhileDeriving) {
  Recorder rec;
  const auto cb = rec.callbacks();
  SessionPtr s(new_session(kSessionId, &cb));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(otc_session_encryption_key_pending(s.get()), OTC_FALSE) << "no secret set yet";
  ASSERT_EQ(otc_session_set_encryption_secret(s.get(), kSecretA), OTC_SUCCESS);
  EXPECT_EQ(otc_session_encryption_key_pending(s.get()), OTC_TRUE) << "PBKDF2 cannot be done already";
  ASSERT_TRUE(rec.wait_for_epoch(expected_epoch(kSessionId, kSecretA)));
  const auto t = std::chrono::steady_clock::now();
  while (otc_session_encryption_key_pending(s.get()) && ms_since(t) < 2000) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(otc_session_encryption_key_pending(s.get()), OTC_FALSE);
}

// on_encryption_key_ready reports "the key of the secret last set is derived and in use": when no
// other secret waits, nothing is pending any more at that point. (A binding that checks
// key_pending after the last callback, as cpp/addon/session_wrap.cpp does to release the event
// loop, must not see TRUE, or it waits for a callback that never comes.)
TEST(Session, NothingPendingWhenTheLastKeyIsReported) {
  Recorder rec;
  const auto cb = rec.callbacks();
  SessionPtr s(new_session(kSessionId, &cb));
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(otc_session_set_encryption_secret(s.get(), kSecretA), OTC_SUCCESS);
  ASSERT_TRUE(rec.wait_for_epoch(expected_epoch(kSessionId, kSecretA)));
  std::lock_guard<std::mutex> lock(rec.mutex);
  ASSERT_EQ(rec.pending_in_callback.size(), 1u);
  EXPECT_EQ(rec.pending_in_callback[0], OTC_FALSE)
      << "otc_session_encryption_key_pending is TRUE inside the callback of the last derivation";
}

TEST(Session, EpochIsThatOfTheSessionsBaseKey) {
  for (const char *secret : {kSecretA, kSecretB, "\xF0\x9F\x94\x91 unicode secret \xC3\xA9"}) {
    Recorder rec;
    const auto cb = rec.callbacks();
    SessionPtr s(new_session(kSessionId, &cb));
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(otc_session_set_encryption_secret(s.get(), secret), OTC_SUCCESS);
    const uint32_t expected = expected_epoch(kSessionId, secret);
    ASSERT_TRUE(rec.wait_for_epoch(expected));
    uint32_t epoch = 0;
    ASSERT_EQ(otc_session_get_encryption_epoch(s.get(), &epoch), OTC_SUCCESS);
    EXPECT_EQ(epoch, expected);
  }
}

TEST(Session, SessionAndFrameCryptorAgreeOnTheEpoch) {
  Recorder rec;
  const auto cb = rec.callbacks();
  SessionPtr s(new_session(kSessionId, &cb));
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(otc_session_set_encryption_secret(s.get(), kSecretB), OTC_SUCCESS);
  auto c = make_cryptor(kSessionId, kSecretB);
  ASSERT_TRUE(rec.wait_for_epoch(stats_of(c.get()).current_epoch_id));
}

TEST(Session, DifferentSessionIdsGiveDifferentEpochs) {
  Recorder r1, r2;
  const auto cb1 = r1.callbacks(), cb2 = r2.callbacks();
  SessionPtr s1(new_session("session-one", &cb1));
  SessionPtr s2(new_session("session-two", &cb2));
  ASSERT_EQ(otc_session_set_encryption_secret(s1.get(), kSecretA), OTC_SUCCESS);
  ASSERT_EQ(otc_session_set_encryption_secret(s2.get(), kSecretA), OTC_SUCCESS);
  const uint32_t e1 = expected_epoch("session-one", kSecretA), e2 = expected_epoch("session-two", kSecretA);
  EXPECT_NE(e1, e2);
  EXPECT_TRUE(r1.wait_for_epoch(e1));
  EXPECT_TRUE(r2.wait_for_epoch(e2));
}

TEST(Session, BurstOfSecretsEndsWithTheLastOne) {
  Recorder rec;
  const auto cb = rec.callbacks();
  SessionPtr s(new_session(kSessionId, &cb));
  ASSERT_NE(s, nullptr);
  std::vector<std::string> secrets;
  for (int i = 0; i < 10; ++i) secrets.push_back("burst secret number " + std::to_string(i));
  const auto t = std::chrono::steady_clock::now();
  for (const std::string &secret : secrets)
    ASSERT_EQ(otc_session_set_encryption_secret(s.get(), secret.c_str()), OTC_SUCCESS);
  EXPECT_LT(ms_since(t), 50.0) << "10 calls must not run 10 derivations on the caller";
  const uint32_t last = expected_epoch(kSessionId, secrets.back().c_str());
  ASSERT_TRUE(rec.wait_for_epoch(last));
  std::this_thread::sleep_for(300ms);  // nothing older may arrive after the last one
  uint32_t epoch = 0;
  ASSERT_EQ(otc_session_get_encryption_epoch(s.get(), &epoch), OTC_SUCCESS);
  EXPECT_EQ(epoch, last);
  std::lock_guard<std::mutex> lock(rec.mutex);
  EXPECT_EQ(rec.epochs.back(), last);
  EXPECT_GE(rec.epochs.size(), 1u);
  EXPECT_LE(rec.epochs.size(), secrets.size());
  EXPECT_EQ(rec.errors, 0);
}

TEST(Session, SettingTheSameSecretAgainKeepsTheEpoch) {
  Recorder rec;
  const auto cb = rec.callbacks();
  SessionPtr s(new_session(kSessionId, &cb));
  const uint32_t a = expected_epoch(kSessionId, kSecretA), b = expected_epoch(kSessionId, kSecretB);
  ASSERT_EQ(otc_session_set_encryption_secret(s.get(), kSecretA), OTC_SUCCESS);
  ASSERT_TRUE(rec.wait_for_epoch(a));
  ASSERT_EQ(otc_session_set_encryption_secret(s.get(), kSecretB), OTC_SUCCESS);
  ASSERT_TRUE(rec.wait_for_epoch(b));
  ASSERT_EQ(otc_session_set_encryption_secret(s.get(), kSecretA), OTC_SUCCESS);
  ASSERT_TRUE(rec.wait_for_epoch(a));
  uint32_t epoch = 0;
  ASSERT_EQ(otc_session_get_encryption_epoch(s.get(), &epoch), OTC_SUCCESS);
  EXPECT_EQ(epoch, a);
}

TEST(Session, DeleteWhileDerivingNeitherCrashesNorHangs) {
  for (int i = 0; i < 5; ++i) {
    Recorder rec;
    const auto cb = rec.callbacks();
    otc_session *s = new_session(kSessionId, &cb);
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(otc_session_set_encryption_secret(s, kSecretA), OTC_SUCCESS);
    if (i % 2) {
      ASSERT_EQ(otc_session_set_encryption_secret(s, kSecretB), OTC_SUCCESS);  // one pending too
    }
    const auto t = std::chrono::steady_clock::now();
    EXPECT_EQ(otc_session_delete(s), OTC_SUCCESS);
    EXPECT_LT(ms_since(t), 2000.0) << "delete waits for at most one derivation";
    // No callback after delete returned (rec goes out of scope right after this).
    const size_t seen = rec.count();
    std::this_thread::sleep_for(150ms);
    EXPECT_EQ(rec.count(), seen) << "a callback ran after otc_session_delete returned";
  }
}

TEST(Session, DeleteFromItsOwnCallbackIsRefused) {
  Recorder rec;
  rec.try_delete_in_callback = true;
  const auto cb = rec.callbacks();
  otc_session *s = new_session(kSessionId, &cb);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(otc_session_set_encryption_secret(s, kSecretA), OTC_SUCCESS);
  ASSERT_TRUE(rec.wait_for_epoch(expected_epoch(kSessionId, kSecretA)));
  {
    std::lock_guard<std::mutex> lock(rec.mutex);
    EXPECT_EQ(rec.delete_from_callback, OTC_SESSION_ILLEGAL_STATE);
  }
  uint32_t epoch = 0;
  EXPECT_EQ(otc_session_get_encryption_epoch(s, &epoch), OTC_SUCCESS) << "the session is still alive";
  EXPECT_EQ(otc_session_delete(s), OTC_SUCCESS);
}

TEST(Session, TwentyNewSetDeleteCycles) {
  const auto t = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    Recorder rec;
    const auto cb = rec.callbacks();
    const std::string id = "cycle-session-" + std::to_string(i);
    const bool wait = i % 4 == 1;                 // let this one finish and check it
    const bool no_callbacks = i % 3 == 0 && !wait;
    otc_session *s = new_session(id.c_str(), no_callbacks ? nullptr : &cb);
    ASSERT_NE(s, nullptr) << i;
    ASSERT_EQ(otc_session_set_encryption_secret(s, kSecretA), OTC_SUCCESS);
    if (wait) {
      ASSERT_TRUE(rec.wait_for_epoch(expected_epoch(id.c_str(), kSecretA))) << i;
    }
    if (i % 5 == 2) {
      EXPECT_EQ(otc_session_set_encryption_secret(s, kSecretB), OTC_SUCCESS);
    }
    ASSERT_EQ(otc_session_delete(s), OTC_SUCCESS);
  }
  EXPECT_LT(ms_since(t), 30000.0);
}

TEST(Session, SessionWithoutCallbacksStillDerives) {
  SessionPtr s(new_session(kSessionId, nullptr));
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(otc_session_set_encryption_secret(s.get(), kSecretA), OTC_SUCCESS);
  const uint32_t expected = expected_epoch(kSessionId, kSecretA);
  uint32_t epoch = 0;
  const auto t = std::chrono::steady_clock::now();
  while (otc_session_get_encryption_epoch(s.get(), &epoch) != OTC_SUCCESS && ms_since(t) < 20000)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(epoch, expected);
}

}  // namespace
