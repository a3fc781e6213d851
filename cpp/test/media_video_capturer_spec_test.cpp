// OTC_VIDEO_CAPTURER's values, and the Y4M reader behind file:PATH.y4m.
#include <gtest/gtest.h>
#include <opentok/camera_capture_resolution.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "media/capture_size.h"
#include "media/video_capturer_spec.h"
#include "media/y4m_file.h"

using otc::media::CaptureSize;
using otc::media::parse_video_capturer_spec;
using otc::media::VideoCapturerSpec;
using otc::media::Y4mFile;

TEST(VideoCapturerSpec, ValuesAndTheirMeaning) {
  for (const char *camera : {static_cast<const char *>(nullptr), "", "camera"}) {
    const VideoCapturerSpec spec = parse_video_capturer_spec(camera);
    EXPECT_EQ(spec.kind, VideoCapturerSpec::Kind::kCamera);
    EXPECT_EQ(spec.path, "");  // the first camera
  }
  VideoCapturerSpec spec = parse_video_capturer_spec("camera:/dev/video2");
  EXPECT_EQ(spec.kind, VideoCapturerSpec::Kind::kCamera);
  EXPECT_EQ(spec.path, "/dev/video2");
  spec = parse_video_capturer_spec("camera:Integrated Camera: Integrated C");
  EXPECT_EQ(spec.kind, VideoCapturerSpec::Kind::kCamera);
  EXPECT_EQ(spec.path, "Integrated Camera: Integrated C");
  spec = parse_video_capturer_spec("camera:usb-0000:00:14.0-5");
  EXPECT_EQ(spec.kind, VideoCapturerSpec::Kind::kCamera);
  EXPECT_EQ(spec.path, "usb-0000:00:14.0-5");
  spec = parse_video_capturer_spec("pattern");
  EXPECT_EQ(spec.kind, VideoCapturerSpec::Kind::kPattern);
  EXPECT_EQ(spec.width, 640);
  EXPECT_EQ(spec.height, 360);
  EXPECT_EQ(spec.fps, 30);
  spec = parse_video_capturer_spec("pattern:1280x720@15");
  EXPECT_EQ(spec.kind, VideoCapturerSpec::Kind::kPattern);
  EXPECT_EQ(spec.width, 1280);
  EXPECT_EQ(spec.height, 720);
  EXPECT_EQ(spec.fps, 15);
  spec = parse_video_capturer_spec("file:/tmp/clip.y4m");
  EXPECT_EQ(spec.kind, VideoCapturerSpec::Kind::kFile);
  EXPECT_EQ(spec.path, "/tmp/clip.y4m");
}

TEST(VideoCapturerSpec, BadValuesNameTheVariable) {
  for (const char *bad : {"patterns", "pattern:", "pattern:640x360", "pattern:641x360@30", "pattern:640x360@0",
                          "pattern:640x360@30x", "pattern:4000x360@30", "file:", "file:clip.mp4", "v4l2", "camera:", "cameras", "Camera",
                          "pattern:-64x64@5"}) {
    const VideoCapturerSpec spec = parse_video_capturer_spec(bad);
    EXPECT_EQ(spec.kind, VideoCapturerSpec::Kind::kInvalid) << bad;
    EXPECT_NE(spec.problem.find("OTC_VIDEO_CAPTURER="), std::string::npos) << spec.problem;
  }
}

TEST(VideoCapturerSpec, CameraProblemsNameTheStandIns) {
  const std::string problem = otc::media::camera_problem("no V4L2 camera found");
  EXPECT_EQ(problem.rfind("no V4L2 camera found", 0), 0u) << problem;
  EXPECT_NE(problem.find("OTC_VIDEO_CAPTURER=pattern"), std::string::npos) << problem;
  EXPECT_NE(problem.find("file:PATH.y4m"), std::string::npos) << problem;
}

TEST(VideoCapturerSpec, CaptureResolutionsInPixels) {
  EXPECT_EQ(otc::media::camera_capture_size(OTC_CAMERA_CAPTURE_RESOLUTION_LOW), (CaptureSize{320, 240}));
  EXPECT_EQ(otc::media::camera_capture_size(OTC_CAMERA_CAPTURE_RESOLUTION_MEDIUM), (CaptureSize{640, 480}));
  EXPECT_EQ(otc::media::camera_capture_size(OTC_CAMERA_CAPTURE_RESOLUTION_HIGH), (CaptureSize{1280, 720}));
  EXPECT_EQ(otc::media::camera_capture_size(OTC_CAMERA_CAPTURE_RESOLUTION_1080P), (CaptureSize{1920, 1080}));
  EXPECT_EQ(otc::media::camera_capture_size(17), (CaptureSize{640, 480}));
}

TEST(VideoCapturerSpec, NearestSizeTheCameraOffers) {
  using otc::media::nearest_capture_size;
  // A typical UVC webcam's list.
  const std::vector<CaptureSize> webcam = {{640, 480}, {160, 120}, {320, 180}, {320, 240}, {424, 240},
                                           {640, 360}, {848, 480}, {960, 540}, {1280, 720}};
  EXPECT_EQ(nearest_capture_size(webcam, {320, 240}), (CaptureSize{320, 240}));
  EXPECT_EQ(nearest_capture_size(webcam, {640, 480}), (CaptureSize{640, 480}));
  EXPECT_EQ(nearest_capture_size(webcam, {1280, 720}), (CaptureSize{1280, 720}));
  EXPECT_EQ(nearest_capture_size(webcam, {1920, 1080}), (CaptureSize{1280, 720}));
  // Only 4:3 sizes: 720p gets the nearest, not the largest.
  const std::vector<CaptureSize> old = {{1600, 1200}, {1024, 768}, {640, 480}};
  EXPECT_EQ(nearest_capture_size(old, {1280, 720}), (CaptureSize{1024, 768}));
  // Equally near: the larger.
  EXPECT_EQ(nearest_capture_size({{600, 480}, {680, 480}}, {640, 480}), (CaptureSize{680, 480}));
  EXPECT_EQ(nearest_capture_size({{680, 480}, {600, 480}}, {640, 480}), (CaptureSize{680, 480}));
  EXPECT_FALSE(nearest_capture_size({}, {640, 480}));
  EXPECT_FALSE(nearest_capture_size({{0, 0}, {-1, 480}}, {640, 480}));
}

namespace {

std::string write_file(const std::string &content) {
  char path[] = "/tmp/otc-y4m-test-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  close(fd);
  return path;
}

std::string frame_bytes(int width, int height, uint8_t value) {
  return "FRAME\n" + std::string(static_cast<size_t>(width) * height * 3 / 2, static_cast<char>(value));
}

}  // namespace

TEST(Y4mFile, ReadsFramesInALoop) {
  const std::string path =
      write_file("YUV4MPEG2 W32 H16 F30000:1001 Ip C420jpeg\n" + frame_bytes(32, 16, 1) + frame_bytes(32, 16, 2));
  std::string error;
  auto file = Y4mFile::Open(path, error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->width(), 32);
  EXPECT_EQ(file->height(), 16);
  EXPECT_EQ(file->fps(), 30);
  for (uint8_t want : {1, 2, 1, 2, 1}) {
    const uint8_t *planes = file->Next();
    ASSERT_NE(planes, nullptr);
    EXPECT_EQ(planes[0], want);
    EXPECT_EQ(planes[32 * 16 * 3 / 2 - 1], want);
  }
  unlink(path.c_str());
}

TEST(Y4mFile, RefusesWhatItCannotPlay) {
  std::string error;
  EXPECT_FALSE(Y4mFile::Open("/nonexistent/clip.y4m", error));
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
  const std::vector<std::string> bad = {
      "not a y4m\n",
      "YUV4MPEG2 W32 H16 F30:1 C444\n" + frame_bytes(32, 16, 1),
      "YUV4MPEG2 W31 H16 F30:1\n" + frame_bytes(32, 16, 1),
      "YUV4MPEG2 W32 H16 F30:1\n",                           // no frame
      "YUV4MPEG2 W32 H16 F30:1\nFRAME\nshort",               // truncated frame
      "YUV4MPEG2 H16 F30:1\n" + frame_bytes(32, 16, 1),      // no width
  };
  for (const auto &content : bad) {
    const std::string path = write_file(content);
    error.clear();
    EXPECT_FALSE(Y4mFile::Open(path, error)) << content.substr(0, 40);
    EXPECT_FALSE(error.empty());
    unlink(path.c_str());
  }
}
