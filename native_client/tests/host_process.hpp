// Starts the real Python host (`npcbridge serve`) on an ephemeral 127.0.0.1
// port for the tests, and stops it. NPCBRIDGE_PYTHON names the interpreter
// (default: python3 on PATH).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace npcbridge::testing {

/// A free TCP port on 127.0.0.1 right now.
int FreePort();

/// The scripted replies the tests assert on.
std::string WriteScript();

class HostProcess {
 public:
  /// `extra` are more `npcbridge serve` flags; port 0 picks a free one.
  explicit HostProcess(std::vector<std::string> extra = {}, int port = 0);
  ~HostProcess();

  /// Spawns the host and waits (up to timeout_s) until its handshake answers.
  void Start(int timeout_s = 180);
  /// SIGTERM, then wait for the process to exit.
  void Stop();
  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::vector<std::string> extra_;
  int port_;
  pid_t pid_ = -1;
};

/// Spawns Python with arguments (e.g. a fake host); output goes to log_path when given.
pid_t SpawnPython(const std::vector<std::string>& args, const std::string& log_path = "");
void Terminate(pid_t pid);

/// The host shared by the suite (scripted backend, rules-only moderation).
HostProcess& SharedHost();

}  // namespace npcbridge::testing
