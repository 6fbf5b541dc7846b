// Fleet behaviour of the client: the x-npc-character routing header, gRPC retries of
// unary calls that meet UNAVAILABLE, no retry of Say, and a stream cut without a status
// reported as Unavailable. Against a recording stand-in host (fake_fleet_host.py); the
// real twin is tests/integration/test_fleet.py (three hosts, Redis and HAProxy).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "host_process.hpp"
#include "npcbridge/client.hpp"
#include "test_support.hpp"

using namespace npcbridge;
using npcbridge::testing::Drain;
using npcbridge::testing::FreePort;
using npcbridge::testing::OptionsFor;
using npcbridge::testing::TestsDir;

namespace {

class Routing : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = FreePort();
    record_ = ::testing::TempDir() + "routing_" + std::to_string(port_) + ".txt";
    pid_ = npcbridge::testing::SpawnPython({TestsDir() + "/fake_fleet_host.py", std::to_string(port_), record_},
                                           "/dev/null");
    client_ = std::make_unique<Client>(OptionsFor("127.0.0.1:" + std::to_string(port_)));
    for (int i = 0; i < 100 && !client_->CreateSession("smith", "p1", &session_).ok(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the fake takes a moment to bind
    }
    ASSERT_EQ(session_.id, "ses_1");
  }
  void TearDown() override {
    client_.reset();
    npcbridge::testing::Terminate(pid_);
  }
  // "Method character" lines, one per call the stand-in received.
  std::vector<std::string> Calls(const std::string& method) {
    std::vector<std::string> out;
    std::ifstream in(record_);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(method + " ", 0) == 0) out.push_back(line.substr(method.size() + 1));
    }
    return out;
  }
  int port_ = 0;
  pid_t pid_ = -1;
  std::string record_;
  Session session_;
  std::unique_ptr<Client> client_;
};

}  // namespace

TEST_F(Routing, CallsOfASessionCarryItsCharacterAndUnaryCallsRetryUnavailable) {
  Session again;
  Status s = client_->GetSession(session_.id, &again);  // UNAVAILABLE twice, then answers
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(Calls("CreateSession").back(), "smith");
  EXPECT_EQ(Calls("GetSession"), (std::vector<std::string>{"smith", "smith", "smith"}));
  auto events = Drain(*client_, client_->CallAsync("GetCharacter", R"({"id": "bard"})"));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, EventType::Result);
  EXPECT_EQ(Calls("GetCharacter"), std::vector<std::string>{"bard"});
}

TEST_F(Routing, SayIsNotRetriedAndACutStreamIsUnavailable) {
  auto events = Drain(*client_, client_->Say(session_.id, "hello"));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().status.code, StatusCode::Unavailable);
  EXPECT_EQ(Calls("Say"), std::vector<std::string>{"smith"});  // one attempt: the game decides

  events = Drain(*client_, client_->Say(session_.id, "cut me off"));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().status.code, StatusCode::Unavailable);
  EXPECT_NE(events.back().status.message.find("say the line again"), std::string::npos);
}
