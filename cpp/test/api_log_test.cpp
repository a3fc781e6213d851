// The SDK's logging calls (otc_log_set_logger_callback, otc_log_enable, otc_get_log_level) and
// node-otc's levelled logger share one level and one sink slot.
#include <gtest/gtest.h>

#include <otc/base.h>

#include <string>
#include <vector>

#include "base/log.h"

namespace {

std::vector<std::string> g_lines;
void collect(const char *message) { g_lines.emplace_back(message); }

struct Levelled {
  std::vector<std::pair<otc_log_level, std::string>> lines;
};
void collect_levelled(otc_log_level level, const char *message, void *user_data) {
  static_cast<Levelled *>(user_data)->lines.emplace_back(level, message);
}

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { g_lines.clear(); }
  void TearDown() override {
    otc_log_set_logger_callback(nullptr);
    otc_log_enable(OTC_LOG_LEVEL_DISABLED);
  }
};

TEST_F(LogTest, DisabledByDefaultAndEnableSetsTheLevel) {
  EXPECT_EQ(otc_get_log_level(), OTC_LOG_LEVEL_DISABLED);
  otc_log_set_logger_callback(collect);
  otc::log(OTC_LOG_LEVEL_ERROR, "not yet");
  EXPECT_TRUE(g_lines.empty());
  otc_log_enable(OTC_LOG_LEVEL_WARN);
  EXPECT_EQ(otc_get_log_level(), OTC_LOG_LEVEL_WARN);
  otc::log(OTC_LOG_LEVEL_ERROR, "error %d", 1);
  otc::log(OTC_LOG_LEVEL_WARN, "warn");
  otc::log(OTC_LOG_LEVEL_INFO, "info is above WARN");
  EXPECT_EQ(g_lines, (std::vector<std::string>{"error 1", "warn"}));
}

TEST_F(LogTest, LevelsHaveTheSdkNumbersAndOrder) {
  EXPECT_EQ(OTC_LOG_LEVEL_FATAL, 2);
  EXPECT_EQ(OTC_LOG_LEVEL_ERROR, 3);
  EXPECT_EQ(OTC_LOG_LEVEL_DEBUG, 6);
  EXPECT_EQ(OTC_LOG_LEVEL_ALL, 100);
  otc_log_set_logger_callback(collect);
  otc_log_enable(OTC_LOG_LEVEL_ALL);
  EXPECT_EQ(otc_get_log_level(), OTC_LOG_LEVEL_ALL);
  otc::log(OTC_LOG_LEVEL_DEBUG, "debug under ALL");
  otc_log_enable(OTC_LOG_LEVEL_FATAL);
  otc::log(OTC_LOG_LEVEL_ERROR, "error is above FATAL");
  EXPECT_EQ(g_lines, (std::vector<std::string>{"debug under ALL"}));
  otc_log_enable(static_cast<otc_log_level>(1000));
  EXPECT_EQ(otc_get_log_level(), OTC_LOG_LEVEL_ALL);
  otc_log_enable(static_cast<otc_log_level>(-3));
  EXPECT_EQ(otc_get_log_level(), OTC_LOG_LEVEL_DISABLED);
}

TEST_F(LogTest, OneSinkAtATime) {
  Levelled levelled;
  otc_log_set_logger_callback(collect);
  otc_log_set_logger(collect_levelled, OTC_LOG_LEVEL_INFO, &levelled);
  EXPECT_EQ(otc_get_log_level(), OTC_LOG_LEVEL_INFO);
  otc::log(OTC_LOG_LEVEL_INFO, "to the levelled logger");
  ASSERT_EQ(levelled.lines.size(), 1u);
  EXPECT_EQ(levelled.lines[0].first, OTC_LOG_LEVEL_INFO);
  EXPECT_TRUE(g_lines.empty());
  otc_log_set_logger_callback(collect);  // replaces the levelled one, keeps the level
  otc::log(OTC_LOG_LEVEL_INFO, "to the SDK callback");
  EXPECT_EQ(levelled.lines.size(), 1u);
  EXPECT_EQ(g_lines, (std::vector<std::string>{"to the SDK callback"}));
  otc_log_set_logger(nullptr, OTC_LOG_LEVEL_DEBUG, nullptr);  // clearing turns logging off
  EXPECT_EQ(otc_get_log_level(), OTC_LOG_LEVEL_DISABLED);
}

TEST_F(LogTest, WithoutACallbackLinesGoToStderr) {
  otc_log_enable(OTC_LOG_LEVEL_ERROR);
  ::testing::internal::CaptureStderr();
  otc::log(OTC_LOG_LEVEL_ERROR, "printed for lack of a callback");
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("printed for lack of a callback"), std::string::npos) << err;
}

}  // namespace

TEST(LogLevelNames, OperatorsNameLevelsByWordOrSdkNumber) {
  int level = -1;
  EXPECT_TRUE(otc::parse_log_level("warn", &level));
  EXPECT_EQ(level, OTC_LOG_LEVEL_WARN);
  EXPECT_TRUE(otc::parse_log_level("DEBUG", &level));
  EXPECT_EQ(level, OTC_LOG_LEVEL_DEBUG);
  EXPECT_TRUE(otc::parse_log_level("all", &level));
  EXPECT_EQ(level, OTC_LOG_LEVEL_ALL);
  EXPECT_TRUE(otc::parse_log_level("3", &level));
  EXPECT_EQ(level, OTC_LOG_LEVEL_ERROR);
  EXPECT_TRUE(otc::parse_log_level("0", &level));
  EXPECT_EQ(level, OTC_LOG_LEVEL_DISABLED);
  level = 42;
  for (const char *bad : {"", "verbose", "3x", "-1", "101", "99999999999999999999", " info"}) {
    EXPECT_FALSE(otc::parse_log_level(bad, &level)) << bad;
  }
  EXPECT_EQ(level, 42);
  EXPECT_FALSE(otc::parse_log_level(nullptr, &level));
  EXPECT_FALSE(otc::parse_log_level("info", nullptr));
}
