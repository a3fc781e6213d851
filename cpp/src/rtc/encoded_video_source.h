// A publisher's video from a pre-encoded file (media/encoded_media.h): frames whose buffer is a
// kNative EncodedFrameBuffer carrying one encoded frame, paced by the file's durations on the
// source's own thread. The encoders of the engine's factory (passthrough_video_encoder.h) hand
// such frames to the packetizer as they are; nothing decodes or re-encodes them.
//
// Key frames on request: an encoder asked for a key frame while holding a delta frame drops it and
// raises the source's key-frame flag; the source then skips ahead to the file's next key frame
// (wrapping to the first), so the request is answered within one frame interval by a key frame
// of the file itself. The skipped frames are not sent (the picture jumps ahead, as a live encoder's
// would after a freeze).
#pragma once

#include "webrtc_build_guard.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <api/video/encoded_image.h>
#include <api/video/video_frame_buffer.h>

#include "../media/encoded_media.h"
#include "video_sources.h"

namespace otc::rtc {

// Shared by a source and the frames it made: set by any encoder, read by the source's thread.
struct KeyFrameRequest {
  std::atomic<bool> wanted{false};
  std::atomic<uint64_t> requests{0};  // requests that made the source skip (for tests, stats)
};

class EncodedFrameBuffer : public webrtc::VideoFrameBuffer {
 public:
  EncodedFrameBuffer(media::EncodedCodec codec, bool key, int width, int height,
                     ::rtc::scoped_refptr<webrtc::EncodedImageBuffer> data, std::shared_ptr<KeyFrameRequest> request)
      : codec_(codec), key_(key), width_(width), height_(height), data_(std::move(data)), request_(std::move(request)) {}

  media::EncodedCodec codec() const { return codec_; }
  bool key() const { return key_; }
  const ::rtc::scoped_refptr<webrtc::EncodedImageBuffer> &data() const { return data_; }
  void RequestKeyFrame() const;

  // webrtc::VideoFrameBuffer
  Type type() const override { return Type::kNative; }
  int width() const override { return width_; }
  int height() const override { return height_; }
  // Only reached where a sink cannot take encoded frames (an encoder of another factory, a
  // preview): a black picture of the frame's size, never a decode.
  ::rtc::scoped_refptr<webrtc::I420BufferInterface> ToI420() override;

 private:
  const media::EncodedCodec codec_;
  const bool key_;
  const int width_, height_;
  const ::rtc::scoped_refptr<webrtc::EncodedImageBuffer> data_;
  const std::shared_ptr<KeyFrameRequest> request_;
};

class EncodedVideoSource : public PublisherVideoSource {
 public:
  // reader: a video reader (is_video()).
  explicit EncodedVideoSource(std::unique_ptr<media::EncodedMediaReader> reader);
  ~EncodedVideoSource() override;
  // Called with every frame's picture size, on the source's thread. Set before Start.
  void SetSizeHandler(std::function<void(int width, int height)> handler) { size_handler_ = std::move(handler); }
  void Start();
  void Stop() override;
  media::EncodedCodec codec() const { return codec_; }
  uint64_t key_frame_requests() const { return request_->requests.load(); }

 private:
  void Run();
  const media::EncodedCodec codec_;
  std::unique_ptr<media::EncodedMediaReader> reader_;  // the source's thread only
  std::function<void(int, int)> size_handler_;
  const std::shared_ptr<KeyFrameRequest> request_ = std::make_shared<KeyFrameRequest>();
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace otc::rtc
