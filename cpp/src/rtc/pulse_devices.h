// The PulseAudio server as the default audio module's device calls (opentok/audio_module_*_device.h)
// and the backend's probe see it: whether it answers, its sources and sinks (both on the caller's
// thread, a short bounded wait), and the process-wide choice
// of which one the PulseAudio backend's streams use. The choice has one owner (this file's .cpp);
// running streams register here so that a new choice moves them without restarting them.
#pragma once

#include <string>
#include <vector>

namespace otc::rtc {

enum class PulseDirection { kInput, kOutput };  // sources (capture), sinks (playout)

struct PulseDevice {
  std::string id;    // the server's name for it (what pactl shows)
  std::string name;  // its description
};

// Whether a server answers, on the calling thread, within a few seconds (never autospawned);
// false with the reason in *problem.
bool PulseServerAnswers(std::string *problem);

// The sources (real devices first, then monitors of sinks) or sinks, on the calling thread,
// waiting at most a few seconds for the server (never autospawned). False with the reason in
// *problem when no server answers.
bool ListPulseDevices(PulseDirection direction, std::vector<PulseDevice> *devices, std::string *problem);

// The chosen device's id; empty: the server's default.
std::string ChosenPulseDevice(PulseDirection direction);

// A stream of the PulseAudio backend that follows the choice. MoveTo runs on the chooser's
// thread, with the registry's lock held (PulseStreams' lock order: registry, then the stream's
// main loop lock, then the choice's lock); it must only issue the move, never wait for it.
class PulseStreamMover {
 public:
  virtual void MoveTo(const std::string &device) = 0;

 protected:
  ~PulseStreamMover() = default;
};
void AddPulseStream(PulseDirection direction, PulseStreamMover *stream);
void RemovePulseStream(PulseStreamMover *stream);  // no MoveTo call is running or comes after

// Chooses a device (empty: back to the server's default) and moves the running streams of that
// direction. The id is not checked here (the caller lists the devices first).
void ChoosePulseDevice(PulseDirection direction, const std::string &id);

}  // namespace otc::rtc
