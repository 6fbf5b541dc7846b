#include "host_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>


extern char** environ;

namespace npcbridge::testing {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string WriteScript() {
  std::string path = "/tmp/npcbridge-native-test-" + std::to_string(getpid()) + ".yaml";
  std::ofstream out(path);
  out << "token_delay_ms: 5\n"
         "replies:\n"
         "  - pattern: \"\\\\bhello\\\\b\"\n"
         "    reply: \"Well met, traveller. I am {character}.\"\n"
         "  - pattern: \"\\\\bsword\\\\b\"\n"
         "    reply: \"Here, take it.\"\n"
         "    emotion: happy\n"
         "    actions: [{name: give_item, arguments: {item: sword}}]\n"
         "  - pattern: \"\\\\bstory\\\\b\"\n"
         "    reply: \"";
  for (int i = 0; i < 300; ++i) out << "word" << i << (i < 299 ? " " : "");
  out << "\"\n"
         "default: \"You said: {text}\"\n";
  return path;
}

static std::string Python() {
  const char* python = std::getenv("NPCBRIDGE_PYTHON");
  return python && *python ? python : "python3";
}

pid_t SpawnPython(const std::vector<std::string>& args, const std::string& log_path) {
  std::vector<std::string> argv_s = {Python()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The child writes to a log file, not to our stdout: a host orphaned by a
  // crashed test must not hold ctest's output pipe open.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!log_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  }
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + argv_s[0] + "; set NPCBRIDGE_PYTHON to the venv's python");
  }
  return pid;
}

static std::string LogPath(int port) {
  return "/tmp/npcbridge-native-host-" + std::to_string(port) + ".log";
}

static std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

void Terminate(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {  // up to 30 s, then SIGKILL
    if (waitpid(pid, &status, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
}

HostProcess::HostProcess(std::vector<std::string> extra, int port)
    : extra_(std::move(extra)), port_(port ? port : FreePort()) {}

HostProcess::~HostProcess() { Stop(); }

void HostProcess::Start(int timeout_s) {
  std::vector<std::string> args = {"-m", "npcbridge.cli", "serve", "--port", std::to_string(port_), "--db",
                                   ":memory:", "--log-level", "warning", "--grace-period", "0.5",
                                   "--http-port", "0"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  pid_ = SpawnPython(args, LogPath(port_));
  // Wait for health SERVING (models loaded) with the Python client's own
  // health check, so the tests see the host exactly as a game would.
  pid_t probe = SpawnPython({"-c", "import sys; from npcbridge.transport.client import HostClient; "
                                   "HostClient(sys.argv[1], timeout_s=2).wait_serving(float(sys.argv[2]))",
                             address(), std::to_string(timeout_s)});
  int status = 0;
  waitpid(probe, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Stop();
    throw std::runtime_error("the host did not turn SERVING within " + std::to_string(timeout_s) +
                             " s; its log:\n" + Tail(LogPath(port_)));
  }
}

void HostProcess::Stop() {
  Terminate(pid_);
  pid_ = -1;
}

HostProcess& SharedHost() {
  static std::string script = WriteScript();
  static HostProcess host({"--backend", "scripted", "--script", script});
  if (!host.running()) {
    // Rules-only moderation: instant to load, and exact for assertions.
    setenv("NPCBRIDGE_MODERATION_CLASSIFIER", "false", 1);
    host.Start();
  }
  return host;
}

namespace {
// Stops the shared host after the last test.
class SharedHostEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    SharedHost().Stop();
    std::remove(("/tmp/npcbridge-native-test-" + std::to_string(getpid()) + ".yaml").c_str());
  }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new SharedHostEnvironment);
}  // namespace

}  // namespace npcbridge::testing
