// Client-side figures for `npcbridge bench client`: unary round-trip latency
// and streaming events per second, against a running host.
//   npcbridge_bench ADDRESS SESSION_ID [ROUND_TRIPS] [STREAMS]
// Prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "npcbridge/client.hpp"

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s ADDRESS SESSION_ID [ROUND_TRIPS] [STREAMS]\n", argv[0]);
    return 2;
  }
  npcbridge::ClientOptions options;
  options.address = argv[1];
  const std::string session = argv[2];
  const int trips = argc > 3 ? std::atoi(argv[3]) : 200;
  const int streams = argc > 4 ? std::atoi(argv[4]) : 5;
  npcbridge::Client client(options);
  if (auto s = client.Connect(); !s.ok()) {
    std::fprintf(stderr, "connect: %s\n", s.message.c_str());
    return 1;
  }

  std::vector<double> rtt;
  for (int i = 0; i < trips; ++i) {
    auto t0 = Clock::now();
    npcbridge::ServerInfo info;
    if (!client.GetServerInfo(&info).ok()) return 1;
    rtt.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(rtt.begin(), rtt.end());

  long events = 0;
  auto t0 = Clock::now();
  for (int i = 0; i < streams; ++i) {
    uint64_t id = client.Say(session, "tell me a story");
    bool done = false;
    while (!done) {
      client.WaitForEvent(1000);
      client.Poll([&](const npcbridge::Event& e) {
        if (e.request_id != id) return;
        ++events;
        done = done || e.type == npcbridge::EventType::Completed || e.type == npcbridge::EventType::Error;
      });
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("{\"rtt_p50_ms\": %.3f, \"rtt_p99_ms\": %.3f, \"stream_events_per_s\": %.1f, \"events\": %ld}\n",
              rtt[rtt.size() / 2], rtt[std::min(rtt.size() - 1, rtt.size() * 99 / 100)], events / seconds, events);
  return 0;
}
