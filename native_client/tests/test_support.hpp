// Helpers shared by the test files: collect a stream's events via Poll.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "npcbridge/client.hpp"

namespace npcbridge::testing {

/// Polls until the stream `id` ends (Completed, StreamDone or Error) or timeout_ms passes.
inline std::vector<Event> Drain(Client& client, uint64_t id, int timeout_ms = 30000) {
  std::vector<Event> events;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    client.WaitForEvent(100);
    client.Poll([&](const Event& e) {
      if (e.request_id != id) return;
      events.push_back(e);
      done = done || e.type == EventType::Completed || e.type == EventType::StreamDone ||
             e.type == EventType::Error || e.type == EventType::Result;
    });
  }
  return events;
}

/// This folder (the stand-in hosts live here).
inline std::string TestsDir() {
  std::string file = __FILE__;
  return file.substr(0, file.rfind('/'));
}

inline ClientOptions OptionsFor(const std::string& address) {
  ClientOptions o;
  o.address = address;
  o.client_name = "npcbridge-native-tests";
  return o;
}

}  // namespace npcbridge::testing
