// The generated contract mirror against the real host: every field survives the
// trip, every string field is UTF-8 checked, JSON reaches the plain structs, and
// the asynchronous calls an engine plugin makes (connect, open an NPC's session).
#include <gtest/gtest.h>

#include <functional>

#include "host_process.hpp"
#include "npcbridge/client.hpp"
#include "npcbridge/contract_json.hpp"
#include "test_support.hpp"

using namespace npcbridge;
using npcbridge::testing::Drain;
using npcbridge::testing::OptionsFor;
using npcbridge::testing::SharedHost;

class Contract : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = std::make_unique<Client>(OptionsFor(SharedHost().address()));
    ASSERT_TRUE(client_->Connect().ok());
  }
  static Character Full() {
    Character c;
    c.name = "Wren";
    c.persona = "A ferry keeper.";
    c.backstory = "Lost a boat to the river.";
    c.speaking_style = "Short sentences.";
    c.knowledge = {"The ferry costs 2 copper."};
    c.greeting = "Mind the gap, traveller.";
    c.safety_policy = "teen";
    c.deflections = {"The river does not care for such talk."};
    return c;
  }
  std::unique_ptr<Client> client_;
};

TEST_F(Contract, EveryCharacterFieldRoundTrips) {
  Character c = Full();
  c.id = "contract-wren";
  Character stored, got;
  ASSERT_TRUE(client_->UpsertCharacter(c, &stored).ok());
  ASSERT_TRUE(client_->GetCharacter(c.id, &got).ok());
  EXPECT_EQ(got.greeting, c.greeting);
  EXPECT_EQ(got.safety_policy, c.safety_policy);
  EXPECT_EQ(got.deflections, c.deflections);
  EXPECT_EQ(got.knowledge, c.knowledge);
  EXPECT_EQ(ToJson(got), ToJson(c));
}

TEST_F(Contract, EveryStringFieldIsCheckedForUtf8) {
  const std::string bad = "bad \xff\xfe utf8";
  for (auto set : std::vector<std::function<void(Character&)>>{
           [&](Character& c) { c.safety_policy = bad; }, [&](Character& c) { c.knowledge.push_back(bad); },
           [&](Character& c) { c.deflections.push_back(bad); }, [&](Character& c) { c.greeting = bad; }}) {
    Character c = Full();
    set(c);
    Status s = client_->UpsertCharacter(c);
    EXPECT_EQ(s.code, StatusCode::InvalidArgument);
    EXPECT_NE(s.message.find("character."), std::string::npos) << s.message;  // names the field
  }
  std::vector<CheckResult> results;
  Status s = client_->CheckBatch({"fine", bad}, &results);
  EXPECT_EQ(s.code, StatusCode::InvalidArgument);
  EXPECT_NE(s.message.find("texts"), std::string::npos) << s.message;
  GenerateAvatarRequest avatar;
  avatar.attributes["species"] = bad;
  Status error;
  EXPECT_EQ(client_->GenerateAvatar(avatar, &error), 0u);
  EXPECT_NE(error.message.find("attributes"), std::string::npos) << error.message;
}

TEST_F(Contract, JsonOfEveryMessageReachesThePlainStructs) {
  Character c;
  ASSERT_TRUE(FromJson(ToJson(Full()), &c).ok());
  EXPECT_EQ(c.deflections, Full().deflections);
  GenerateAvatarRequest r;
  ASSERT_TRUE(FromJson(R"({"description": "an elf", "count": 2, "seed": "7"})", &r).ok());
  EXPECT_EQ(r.count, 2);
  ASSERT_TRUE(r.seed.has_value());
  EXPECT_EQ(*r.seed, 7u);
  EXPECT_FALSE(r.truncation.has_value());
  EXPECT_EQ(FromJson(R"({"no_such_field": 1})", &r).code, StatusCode::InvalidArgument);
}

TEST_F(Contract, ConnectAsyncCarriesTheWholeServerInfo) {
  auto events = Drain(*client_, client_->ConnectAsync());
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].type, EventType::Result) << events[0].status.message;
  ServerInfo info;
  ASSERT_TRUE(FromJson(events[0].json, &info).ok());
  EXPECT_EQ(info.api_version, "1.0.0");
  EXPECT_TRUE(info.capabilities.dialogue && info.capabilities.streaming_moderation);
  EXPECT_EQ(info.limits.max_avatar_count, 16);
  EXPECT_GT(info.limits.max_context_tokens, 0);
}

TEST_F(Contract, AnNpcWithoutAnIdOpensItsSessionWithTheIdTheHostAssigned) {
  auto events = Drain(*client_, client_->OpenSessionAsync(Full(), /*upsert=*/true, "p1"));
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].type, EventType::Result) << events[0].status.message;
  Session session;
  ASSERT_TRUE(FromJson(events[0].json, &session).ok());
  EXPECT_FALSE(session.id.empty());
  ASSERT_FALSE(session.character_id.empty());
  Character stored;
  ASSERT_TRUE(client_->GetCharacter(session.character_id, &stored).ok());
  EXPECT_EQ(stored.name, "Wren");
  // Without upsert the given id is used as it is: a missing character is NOT_FOUND.
  Character missing;
  missing.id = "no-such-npc";
  auto failed = Drain(*client_, client_->OpenSessionAsync(missing, /*upsert=*/false, "p1"));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].status.code, StatusCode::NotFound);
}
