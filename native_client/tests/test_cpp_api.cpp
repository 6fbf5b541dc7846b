// The C++ API against the real Python host (scripted backend).
#include <gtest/gtest.h>

#include <thread>

#include "host_process.hpp"
#include "npcbridge/client.hpp"
#include "npcbridge/face_expressions.hpp"
#include "test_support.hpp"

using namespace npcbridge;
using npcbridge::testing::Drain;
using npcbridge::testing::OptionsFor;
using npcbridge::testing::SharedHost;

class CppApi : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = std::make_unique<Client>(OptionsFor(SharedHost().address()));
    ASSERT_TRUE(client_->Connect().ok());
  }
  std::string NewSession(const std::string& character_id = "greta") {
    Character c;
    c.id = character_id;
    c.name = "Greta";
    c.persona = "A gruff dwarven smith.";
    EXPECT_TRUE(client_->UpsertCharacter(c).ok());
    Session s;
    EXPECT_TRUE(client_->CreateSession(character_id, "p1", &s).ok());
    return s.id;
  }
  std::unique_ptr<Client> client_;
};

TEST_F(CppApi, HandshakeReportsVersionsAndCapabilities) {
  ServerInfo info;
  ASSERT_TRUE(client_->Connect(&info).ok());
  EXPECT_EQ(info.api_version, "1.0.0");
  EXPECT_TRUE(info.capabilities.dialogue);
  EXPECT_TRUE(info.capabilities.avatars);
  EXPECT_TRUE(info.capabilities.moderation);
  EXPECT_EQ(info.limits.max_avatar_count, 16);
  EXPECT_FALSE(info.models.empty());
}

TEST_F(CppApi, CharactersCrud) {
  Character c;
  c.id = "crud-npc";
  c.name = "Bram";
  c.persona = "A nervous innkeeper.";
  c.knowledge = {"The well is dry."};
  Character stored;
  ASSERT_TRUE(client_->UpsertCharacter(c, &stored).ok());
  EXPECT_EQ(stored.name, "Bram");
  Character got;
  ASSERT_TRUE(client_->GetCharacter("crud-npc", &got).ok());
  EXPECT_EQ(got.knowledge, std::vector<std::string>{"The well is dry."});
  std::vector<Character> all;
  ASSERT_TRUE(client_->ListCharacters(&all).ok());
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const Character& x) { return x.id == "crud-npc"; }));
  ASSERT_TRUE(client_->DeleteCharacter("crud-npc").ok());
  EXPECT_EQ(client_->GetCharacter("crud-npc", &got).code, StatusCode::NotFound);
}

TEST_F(CppApi, SessionsAndSayStreaming) {
  std::string session = NewSession();
  uint64_t id = client_->Say(session, "hello there");
  ASSERT_GT(id, 0u);
  auto events = Drain(*client_, id);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.front().type, EventType::Started);
  EXPECT_EQ(events.back().type, EventType::Completed);
  std::string streamed;
  for (const auto& e : events) {
    if (e.type == EventType::TextDelta) streamed += e.text;
  }
  EXPECT_EQ(streamed, "Well met, traveller. I am Greta.");
  EXPECT_EQ(events.back().completed.text, streamed);
  EXPECT_EQ(events.back().completed.finish_reason, "stop");
  EXPECT_NE(events.back().json.find("\"finish_reason\""), std::string::npos);
  Session s;
  ASSERT_TRUE(client_->GetSession(session, &s).ok());
  ASSERT_EQ(s.turns.size(), 2u);
  EXPECT_EQ(s.turns[0].role, Role::Player);
  EXPECT_EQ(s.turns[1].text, streamed);
  ASSERT_TRUE(client_->DeleteSession(session).ok());
  EXPECT_EQ(client_->GetSession(session, &s).code, StatusCode::NotFound);
}

TEST_F(CppApi, SpokenReplyAudioIsContiguousAndVisemesLieWithinIt) {
  Character c;
  c.id = "greta-voice";
  c.name = "Greta";
  c.voice.name = "espeak:en-us";
  ASSERT_TRUE(client_->UpsertCharacter(c).ok());
  Session s;
  ASSERT_TRUE(client_->CreateSession(c.id, "p1", &s).ok());
  SayRequest request;
  request.session_id = s.id;
  request.text = "hello";
  request.audio = true;
  uint64_t id = client_->Say(request);
  ASSERT_GT(id, 0u);
  auto events = Drain(*client_, id);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, EventType::Completed);
  double audio_ms = 0;
  int visemes = 0;
  for (const auto& e : events) {
    if (e.type == EventType::Audio) {
      EXPECT_EQ(e.audio.sample_rate, 22050);
      EXPECT_EQ(e.audio.channels, 1);
      EXPECT_NEAR(e.audio.start_ms, audio_ms, 0.05);  // each chunk starts where the last ended
      audio_ms += e.audio.pcm16.size() / 2 * 1000.0 / e.audio.sample_rate;
    }
  }
  for (const auto& e : events) {
    if (e.type != EventType::Viseme) continue;
    ++visemes;
    EXPECT_EQ(e.text, e.viseme.name);
    EXPECT_GE(e.viseme.start_ms, 0);
    EXPECT_LT(e.viseme.start_ms, e.viseme.end_ms);
    EXPECT_LE(e.viseme.end_ms, audio_ms + 1);
  }
  EXPECT_GT(audio_ms, 500);
  EXPECT_GT(visemes, 5);
}

TEST_F(CppApi, EmotionBeforeTextAndACheckedActionCall) {
  Character c;
  c.id = "greta-acts";
  c.name = "Greta";
  ActionSpec give;
  give.name = "give_item";
  give.description = "hand the player an item";
  give.parameters_schema = R"({"type": "object", "properties": {"item": {"enum": ["sword", "shield"]}}})";
  c.actions.push_back(give);
  ASSERT_TRUE(client_->UpsertCharacter(c).ok());
  Session s;
  ASSERT_TRUE(client_->CreateSession(c.id, "p1", &s).ok());
  SayRequest request;
  request.session_id = s.id;
  request.text = "a sword, please";
  request.context["time"] = "night";
  uint64_t id = client_->Say(request);
  ASSERT_GT(id, 0u);
  auto events = Drain(*client_, id);
  size_t emotion = events.size(), first_text = events.size(), action = events.size();
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].type == EventType::Emotion && emotion == events.size()) emotion = i;
    if (events[i].type == EventType::TextDelta && first_text == events.size()) first_text = i;
    if (events[i].type == EventType::Action) action = i;
  }
  ASSERT_LT(emotion, first_text);
  EXPECT_EQ(events[emotion].emotion.label, "happy");
  EXPECT_EQ(events[emotion].text, "happy");
  ASSERT_LT(action, events.size());
  EXPECT_EQ(events[action].action.name, "give_item");
  EXPECT_EQ(events[action].action.arguments_json, R"({"item": "sword"})");
  EXPECT_NE(events[action].json.find("\"arguments_json\""), std::string::npos);
  const Completed& done = events.back().completed;
  ASSERT_EQ(done.actions.size(), 1u);
  EXPECT_EQ(done.actions[0].id, events[action].action.id);
  EXPECT_EQ(done.emotion.label, "happy");
  request.allowed_actions = {"fly"};  // not one of Greta's actions
  Status error;
  uint64_t refused = client_->Say(request, &error);
  auto refusal = Drain(*client_, refused);
  ASSERT_FALSE(refusal.empty());
  EXPECT_EQ(refusal.back().type, EventType::Error);
  EXPECT_EQ(refusal.back().status.code, StatusCode::InvalidArgument);
  EXPECT_NE(refusal.back().status.message.find("fly"), std::string::npos);
}

TEST_F(CppApi, KnowledgeUpsertSearchDelete) {
  std::vector<Document> lore(2);
  lore[0].id = "inn";
  lore[0].text = "The Golden Goose is the oldest inn; a room costs three silver.";
  lore[0].metadata["source"] = "guide";
  lore[1].id = "wolf";
  lore[1].text = "Thornwood wolves fear the smell of burning juniper.";
  UpsertDocumentsResponse upserted;
  ASSERT_TRUE(client_->UpsertDocuments("cpp-lore", lore, &upserted).ok());
  EXPECT_EQ(upserted.upserted, 2);
  std::vector<SearchHit> hits;
  ASSERT_TRUE(client_->Search("cpp-lore", "Where can I sleep tonight?", 1, &hits).ok());
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].document.id, "inn");
  EXPECT_EQ(hits[0].document.metadata.at("source"), "guide");
  std::vector<CollectionInfo> collections;
  ASSERT_TRUE(client_->ListCollections(&collections).ok());
  int32_t deleted = 0;
  ASSERT_TRUE(client_->DeleteDocuments("cpp-lore", {"inn"}, &deleted).ok());
  EXPECT_EQ(deleted, 1);
  EXPECT_EQ(client_->Search("cpp-lore", "", 1, &hits).code, StatusCode::InvalidArgument);
  EXPECT_EQ(client_->Search("no-such-lore", "x", 1, &hits).code, StatusCode::NotFound);
}

TEST_F(CppApi, MemoryKeptFromSayAndForgotten) {
  std::string session = NewSession("greta-remembers");
  auto events = Drain(*client_, client_->Say(session, "hello, my name is Rowan"));
  ASSERT_FALSE(events.empty());
  ASSERT_EQ(events.back().type, EventType::Completed);
  std::vector<MemoryItem> memories;
  ASSERT_TRUE(client_->ListMemories("p1", "greta-remembers", &memories).ok());
  ASSERT_FALSE(memories.empty());
  EXPECT_EQ(memories[0].text, "The player's name is Rowan.");
  MemoryItem extra;
  extra.player_id = "p1";
  extra.character_id = "greta-remembers";
  extra.text = "The player owes you three gold.";
  extra.importance = 0.6f;
  MemoryItem stored;
  ASSERT_TRUE(client_->AddMemory(extra, &stored).ok());
  EXPECT_FALSE(stored.id.empty());
  Relationship r;
  r.player_id = "p1";
  r.character_id = "greta-remembers";
  r.affinity = 0.5f;
  r.trust = 0.25f;
  ASSERT_TRUE(client_->SetRelationship(r).ok());
  Relationship read;
  ASSERT_TRUE(client_->GetRelationship("p1", "greta-remembers", &read).ok());
  EXPECT_FLOAT_EQ(read.affinity, 0.5f);
  EXPECT_EQ(read.interactions, 1);
  r.affinity = 2.0f;
  EXPECT_EQ(client_->SetRelationship(r).code, StatusCode::InvalidArgument);
  ForgetPlayerResponse forgotten;
  ASSERT_TRUE(client_->ForgetPlayer("p1", &forgotten).ok());
  EXPECT_GE(forgotten.memories, 2);
  ASSERT_TRUE(client_->ListMemories("p1", "", &memories).ok());
  EXPECT_TRUE(memories.empty());
}

TEST_F(CppApi, EventsArriveOnlyThroughPollOnTheCallingThread) {
  std::string session = NewSession();
  uint64_t id = client_->Say(session, "hello");
  ASSERT_TRUE(client_->WaitForEvent(10000));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the stream runs meanwhile
  const auto me = std::this_thread::get_id();
  size_t delivered = client_->Poll([&](const Event& e) {
    EXPECT_EQ(std::this_thread::get_id(), me);
    (void)e;
  });
  EXPECT_GT(delivered, 0u);
  Drain(*client_, id);
}

TEST_F(CppApi, CancelMidStreamStopsTheReply) {
  std::string session = NewSession();
  uint64_t id = client_->Say(session, "tell me a story");
  int deltas = 0;
  bool cancelled = false, completed = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!cancelled && std::chrono::steady_clock::now() < deadline) {
    client_->WaitForEvent(100);
    client_->Poll([&](const Event& e) {
      if (e.type == EventType::TextDelta && ++deltas == 3) client_->Cancel(id);
      if (e.type == EventType::Completed) completed = true;
      if (e.type == EventType::Error) {
        EXPECT_EQ(e.status.code, StatusCode::Cancelled);
        cancelled = true;
      }
    });
  }
  EXPECT_TRUE(cancelled);
  EXPECT_FALSE(completed);
  EXPECT_LT(deltas, 100);  // the 300-word reply stopped early
  Session s;
  ASSERT_TRUE(client_->GetSession(session, &s).ok());
  EXPECT_TRUE(s.turns.empty());  // the host stores only completed turns
}

TEST_F(CppApi, StreamDeadlineExceeded) {
  auto options = OptionsFor(SharedHost().address());
  options.stream_timeout_ms = 300;
  Client hasty(options);
  std::string session = NewSession();
  auto events = Drain(hasty, hasty.Say(session, "tell me a story"));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, EventType::Error);
  EXPECT_EQ(events.back().status.code, StatusCode::DeadlineExceeded);
}

TEST_F(CppApi, BadArgumentsAreErrorsNotCrashes) {
  Status error;
  EXPECT_EQ(client_->Say("any", std::string("bad \xff\xfe utf8"), {}, &error), 0u);
  EXPECT_EQ(error.code, StatusCode::InvalidArgument);
  Character c;
  EXPECT_EQ(client_->GetCharacter("no-such-npc", &c).code, StatusCode::NotFound);
  Session s;
  Status missing = client_->CreateSession("no-such-npc", "p1", &s);
  EXPECT_EQ(missing.code, StatusCode::NotFound);
  EXPECT_NE(missing.message.find("no-such-npc"), std::string::npos);
  auto events = Drain(*client_, client_->Say("no-such-session", "hello"));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().status.code, StatusCode::NotFound);
  CheckResult r;
  EXPECT_EQ(client_->Check(std::string(5000, 'a'), &r).code, StatusCode::InvalidArgument);
  EXPECT_EQ(client_->Check("hi", &r, "no-such-policy").code, StatusCode::InvalidArgument);
}

TEST_F(CppApi, Moderation) {
  CheckResult r;
  ASSERT_TRUE(client_->Check("this damn door is shit", &r, "everyone").ok());
  EXPECT_TRUE(r.flagged);
  EXPECT_EQ(r.action, Action::Mask);
  EXPECT_EQ(r.masked_text, "this **** door is ****");
  EXPECT_EQ(r.spans.size(), 2u);
  std::vector<CheckResult> batch;
  ASSERT_TRUE(client_->CheckBatch({"hello", "my email is bob@example.com"}, &batch, "teen", "player").ok());
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].action, Action::Allow);
  EXPECT_EQ(batch[1].action, Action::Mask);
}

TEST_F(CppApi, Avatars) {
  std::vector<Attribute> attrs;
  std::vector<Expression> expressions;
  ASSERT_TRUE(client_->ListAttributes(&attrs, &expressions).ok());
  ASSERT_FALSE(attrs.empty());
  EXPECT_EQ(attrs[0].name, "species");
  ASSERT_EQ(expressions.size(), 7u);
  EXPECT_EQ(expressions[1].name, "happy");
  EXPECT_GT(expressions[1].morph_targets.at("mouthSmileLeft"), 0.5f);
  GenerateAvatarRequest req;
  req.description = "a red-haired elf";
  req.count = 2;
  req.seed = 7;
  auto events = Drain(*client_, client_->GenerateAvatar(req));
  std::vector<Avatar> avatars;
  int progress = 0;
  for (const auto& e : events) {
    if (e.type == EventType::Avatar) avatars.push_back(e.avatar);
    if (e.type == EventType::AvatarProgress) ++progress;
  }
  ASSERT_EQ(avatars.size(), 2u);
  EXPECT_EQ(events.back().type, EventType::StreamDone);
  EXPECT_GE(progress, 2);
  EXPECT_EQ(avatars[0].seed, 7u);
  EXPECT_EQ(avatars[1].seed, 8u);
  EXPECT_EQ(avatars[0].spec.attributes.at("species"), "elf");
  EXPECT_EQ(avatars[0].spec.attributes.at("hair_color"), "red");
  ASSERT_GT(avatars[0].png.size(), 8u);
  EXPECT_EQ(avatars[0].png[1], 'P');  // \x89PNG
  EXPECT_GT(avatars[0].spec.morph_targets.count("jawOpen"), 0u);
  EXPECT_EQ(avatars[0].spec.expression, "neutral");
  req.expression = "surprised";
  req.count = 1;
  std::vector<Avatar> surprised;
  for (const auto& e : Drain(*client_, client_->GenerateAvatar(req)))
    if (e.type == EventType::Avatar) surprised.push_back(e.avatar);
  ASSERT_EQ(surprised.size(), 1u);
  EXPECT_EQ(surprised[0].spec.expression, "surprised");
  EXPECT_EQ(surprised[0].latent, avatars[0].latent);  // the same identity
  EXPECT_NE(surprised[0].png, avatars[0].png);
  auto face = FaceWeights(avatars[0].spec.morph_targets, expressions, "surprised", 1.0f);
  EXPECT_FLOAT_EQ(face.at("jawOpen"), surprised[0].spec.morph_targets.at("jawOpen"));
  GenerateAvatarRequest bad;
  bad.attributes["species"] = "dragon";
  auto failed = Drain(*client_, client_->GenerateAvatar(bad));
  ASSERT_FALSE(failed.empty());
  EXPECT_EQ(failed.back().status.code, StatusCode::InvalidArgument);
  EXPECT_NE(failed.back().status.message.find("human, elf, dwarf, orc"), std::string::npos);
}

TEST_F(CppApi, AsyncUnaryCallsCompleteThroughPoll) {
  auto events = Drain(*client_, client_->CallAsync("ListAttributes", "{}"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::Result);
  EXPECT_NE(events[0].json.find("hair_color"), std::string::npos);
  auto missing = Drain(*client_, client_->CallAsync("GetCharacter", "{\"id\": \"nobody\"}"));
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].status.code, StatusCode::NotFound);
}

TEST_F(CppApi, SubmittingFromManyThreadsWhileTheGameThreadPolls) {
  std::string session = NewSession("threads-npc");
  std::vector<uint64_t> ids(8);
  std::vector<std::thread> workers;
  for (size_t i = 0; i < ids.size(); ++i) {
    workers.emplace_back([&, i] {
      Character c;
      EXPECT_TRUE(client_->GetCharacter("threads-npc", &c).ok());
      ids[i] = client_->Say(session, "hello");
    });
  }
  for (auto& w : workers) w.join();
  size_t completed = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (completed < ids.size() && std::chrono::steady_clock::now() < deadline) {
    client_->WaitForEvent(100);
    client_->Poll([&](const Event& e) {
      if (e.type == EventType::Completed) ++completed;
    });
  }
  EXPECT_EQ(completed, ids.size());
}
