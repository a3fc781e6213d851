// The default camera's device side: libwebrtc's V4L2 device list, choosing a camera, and what a
// choice that is not a camera reports. Real devices only: this machine's /dev (CI machines have
// no camera, and a test that needs one says so and is skipped, never counted as passed).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "rtc/camera_video_source.h"
#include "rtc/v4l2_devices.h"
#include "v4l2_nodes.h"

using namespace std::chrono_literals;
using otc::rtc::CameraVideoSource;
using otc::rtc::find_v4l2_camera;
using otc::rtc::list_v4l2_cameras;
using otc_test::capture_nodes_on_this_machine;

namespace {

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

std::string temp_path(const char *name) {
  return std::string("/tmp/otc-camera-test-") + std::to_string(getpid()) + "-" + name;
}

}  // namespace

TEST(VideoCapturerCamera, DeviceListMatchesTheNodes) {
  const auto cameras = list_v4l2_cameras();
  EXPECT_EQ(static_cast<int>(cameras.size()), capture_nodes_on_this_machine());
  for (const auto &camera : cameras) {
    EXPECT_EQ(camera.path.rfind("/dev/video", 0), 0u) << camera.path;
    EXPECT_FALSE(camera.name.empty());
    EXPECT_TRUE(otc::rtc::v4l2_camera_present(camera)) << camera.path;
  }
}

TEST(VideoCapturerCamera, NoCameraIsAClearError) {
  if (capture_nodes_on_this_machine() > 0) GTEST_SKIP() << "this machine has a camera";
  EXPECT_TRUE(list_v4l2_cameras().empty());
  std::string why;
  EXPECT_FALSE(find_v4l2_camera("", why));
  EXPECT_TRUE(contains(why, "no V4L2 camera found")) << why;
  // By name, with nothing to choose from.
  why.clear();
  EXPECT_FALSE(find_v4l2_camera("Integrated Camera", why));
  EXPECT_TRUE(contains(why, "\"Integrated Camera\"")) << why;
  EXPECT_TRUE(contains(why, "no camera found")) << why;
}

TEST(VideoCapturerCamera, ChoicesThatAreNotCamerasAreRefused) {
  std::string why;
  EXPECT_FALSE(find_v4l2_camera("/dev/nonexistent", why));
  EXPECT_TRUE(contains(why, "/dev/nonexistent")) << why;
  EXPECT_TRUE(contains(why, "No such file or directory")) << why;

  // A character device that is not V4L2.
  why.clear();
  EXPECT_FALSE(find_v4l2_camera("/dev/null", why));
  EXPECT_TRUE(contains(why, "/dev/null")) << why;
  EXPECT_TRUE(contains(why, "not a V4L2 device")) << why;

  // A regular file.
  const std::string file = temp_path("file");
  std::FILE *f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("not a camera\n", f);
  std::fclose(f);
  why.clear();
  EXPECT_FALSE(find_v4l2_camera(file, why));
  EXPECT_TRUE(contains(why, "not a device node")) << why;
  std::remove(file.c_str());

  // A FIFO nobody writes to: opening it must not wait for a writer.
  const std::string fifo = temp_path("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  why.clear();
  EXPECT_FALSE(find_v4l2_camera(fifo, why));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(contains(why, "not a device node")) << why;
  std::remove(fifo.c_str());

  // A name no camera has.
  why.clear();
  EXPECT_FALSE(find_v4l2_camera("no such camera 42", why));
  EXPECT_TRUE(contains(why, "\"no such camera 42\"")) << why;
}

TEST(VideoCapturerCamera, ProbesOfWhatIsNotACamera) {
  bool usable = true;
  EXPECT_TRUE(otc::rtc::v4l2_frame_sizes("/dev/null", usable).empty());
  EXPECT_FALSE(usable);
  usable = true;
  EXPECT_TRUE(otc::rtc::v4l2_frame_sizes("/dev/nonexistent", usable).empty());
  EXPECT_FALSE(usable);
  EXPECT_FALSE(otc::rtc::v4l2_camera_present({"/dev/null", "null", "null"}));
  EXPECT_FALSE(otc::rtc::v4l2_camera_present({"/dev/nonexistent", "x", "y"}));
}

TEST(VideoCapturerCamera, SourceThatCannotStartTearsDownCleanly) {
  for (const char *choice : {"/dev/null", "/dev/nonexistent", "no such camera"}) {
    auto source = ::rtc::make_ref_counted<CameraVideoSource>();
    bool failed = false;
    source->SetFailureHandler([&](const std::string &) { failed = true; });
    std::string why;
    EXPECT_FALSE(source->Start(choice, {640, 480}, why)) << choice;
    EXPECT_FALSE(why.empty()) << choice;
    source->Stop();
    source->Stop();  // idempotent
    EXPECT_EQ(source->frames_captured(), 0u);
    EXPECT_FALSE(failed);  // a start that failed is reported by Start, not as a later failure
  }
  // Never started at all.
  auto idle = ::rtc::make_ref_counted<CameraVideoSource>();
  idle->Stop();
}
