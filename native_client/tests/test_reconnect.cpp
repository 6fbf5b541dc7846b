// Handshake versions, host down and back, and one run on the embedded model.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "host_process.hpp"
#include "npcbridge/client.hpp"
#include "test_support.hpp"

using namespace npcbridge;
using npcbridge::testing::Drain;
using npcbridge::testing::FreePort;
using npcbridge::testing::OptionsFor;
using npcbridge::testing::TestsDir;

namespace {

// Connects to a fake host speaking `version`; returns the Connect status and any warning.
Status ConnectToVersion(const std::string& version, std::string* warning) {
  int port = FreePort();
  pid_t pid = npcbridge::testing::SpawnPython({TestsDir() + "/fake_version_host.py", std::to_string(port), version},
                                              "/dev/null");
  Client client(OptionsFor("127.0.0.1:" + std::to_string(port)));
  Status s;
  for (int i = 0; i < 100; ++i) {  // the fake takes a moment to bind
    s = client.Connect();
    if (s.code != StatusCode::ConnectionFailed) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  client.Poll([&](const Event& e) {
    if (e.type == EventType::VersionWarning) *warning = e.text;
  });
  npcbridge::testing::Terminate(pid);
  return s;
}

}  // namespace

TEST(Handshake, DifferentMajorFailsAndSaysWhichSideToUpgrade) {
  std::string warning;
  Status newer = ConnectToVersion("2.0.0", &warning);
  EXPECT_EQ(newer.code, StatusCode::FailedPrecondition);
  EXPECT_NE(newer.message.find("upgrade the NPC Bridge plugin"), std::string::npos) << newer.message;
  Status older = ConnectToVersion("0.9.0", &warning);
  EXPECT_EQ(older.code, StatusCode::FailedPrecondition);
  EXPECT_NE(older.message.find("upgrade the host"), std::string::npos) << older.message;
}

TEST(Handshake, NewerMinorIsAWarningEvent) {
  std::string warning;
  EXPECT_TRUE(ConnectToVersion("1.4.0", &warning).ok());
  EXPECT_NE(warning.find("1.4.0"), std::string::npos);
}

TEST(Handshake, NoHostIsConnectionFailed) {
  auto options = OptionsFor("127.0.0.1:" + std::to_string(FreePort()));
  options.timeout_ms = 1000;
  Client client(options);
  Status s = client.Connect();
  EXPECT_EQ(s.code, StatusCode::ConnectionFailed);
  EXPECT_NE(s.message.find("npcbridge serve"), std::string::npos);
}

TEST(Reconnect, HostDownThenBackWithoutRecreatingTheClient) {
  static const std::string script = npcbridge::testing::WriteScript();
  int port = FreePort();
  npcbridge::testing::HostProcess host({"--backend", "scripted", "--script", script, "--no-moderation",
                                        "--no-avatars"}, port);
  host.Start();
  auto options = OptionsFor(host.address());
  options.timeout_ms = 1000;
  options.reconnect_max_ms = 500;
  Client client(options);
  ASSERT_TRUE(client.Connect().ok());

  host.Stop();
  std::vector<Character> list;
  Status down = client.ListCharacters(&list);
  EXPECT_EQ(down.code, StatusCode::Unavailable) << down.message;

  host.Start();
  Status back;
  for (int i = 0; i < 100 && !back.ok(); ++i) {  // gRPC's backoff reconnects by itself
    back = client.ListCharacters(&list);
    if (!back.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(back.ok()) << back.message;
  // The watcher samples the channel every 100 ms: give it a moment to report READY.
  for (int i = 0; i < 50 && client.GetConnectionState() != ConnectionState::Ready; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(client.GetConnectionState(), ConnectionState::Ready);
  std::vector<ConnectionState> seen;
  client.Poll([&](const Event& e) {
    if (e.type == EventType::ConnectionChanged) seen.push_back(e.connection_state);
  });
  EXPECT_NE(std::find(seen.begin(), seen.end(), ConnectionState::TransientFailure), seen.end());
  EXPECT_EQ(seen.back(), ConnectionState::Ready);
}

TEST(EmbeddedModel, SayStreamsARealReply) {
  npcbridge::testing::HostProcess host({"--no-avatars", "--no-moderation"});
  host.Start(300);
  Client client(OptionsFor(host.address()));
  ServerInfo info;
  ASSERT_TRUE(client.Connect(&info).ok());
  EXPECT_EQ(info.models.at(0).name, "smollm2-135m-instruct");
  Character c;
  c.id = "smith";
  c.name = "Greta";
  c.persona = "A gruff dwarven blacksmith.";
  ASSERT_TRUE(client.UpsertCharacter(c).ok());
  Session s;
  ASSERT_TRUE(client.CreateSession("smith", "p1", &s).ok());
  GenerationParams params;
  params.max_tokens = 12;
  params.temperature = 0.0f;
  auto events = Drain(client, client.Say(s.id, "Hello! What do you sell?", params), 120000);
  ASSERT_FALSE(events.empty());
  ASSERT_EQ(events.back().type, EventType::Completed) << events.back().status.message;
  EXPECT_FALSE(events.back().completed.text.empty());
  EXPECT_GT(events.back().completed.usage.completion_tokens, 0);
}
