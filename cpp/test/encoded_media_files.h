// Encoded test media made at test time with ffmpeg (Debian's, with libvpx, libx264 and libopus)
// into a temporary directory removed afterwards: 2 s of ffmpeg's testsrc2 at 640x360, 30 fps, a
// key frame every 30 frames, as IVF VP8, IVF VP9 and H.264 Annex B (constrained baseline, no
// B-frames), and 2 s of a 440 Hz tone as Ogg Opus (20 ms packets).
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace otc_test {

struct EncodedMediaFiles {
  std::string dir, vp8, vp9, h264, opus;

  // False with error set when ffmpeg is missing or fails.
  bool Make(std::string &error, int seconds = 2) {
    char pattern[] = "/tmp/otc-encoded-XXXXXX";
    if (!mkdtemp(pattern)) {
      error = "mkdtemp failed";
      return false;
    }
    dir = pattern;
    vp8 = dir + "/vp8.ivf";
    vp9 = dir + "/vp9.ivf";
    h264 = dir + "/h264.264";
    opus = dir + "/tone.ogg";
    const std::string video = "ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i testsrc2=size=640x360:rate=30 -t " +
                              std::to_string(seconds) + " -pix_fmt yuv420p -g 30 -keyint_min 30 ";
    const std::string commands[] = {
        video + "-c:v libvpx -deadline realtime -cpu-used 8 -b:v 500k " + vp8,
        video + "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -lag-in-frames 0 -b:v 500k " + vp9,
        video + "-c:v libx264 -profile:v baseline -bf 0 -x264-params scenecut=0 -preset veryfast -b:v 500k -f h264 " + h264,
        "ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i sine=frequency=440:sample_rate=48000 -t " +
            std::to_string(seconds) + " -c:a libopus -b:a 32k -frame_duration 20 " + opus,
    };
    for (const std::string &command : commands) {
      if (std::system(command.c_str()) != 0) {
        error = "ffmpeg failed: " + command;
        return false;
      }
    }
    return true;
  }

  ~EncodedMediaFiles() {
    if (dir.empty()) return;
    for (const std::string &file : {vp8, vp9, h264, opus}) std::remove(file.c_str());
    rmdir(dir.c_str());
  }
};

}  // namespace otc_test
