// The C API against the real Python host: every RPC, handles, ownership, bad input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host_process.hpp"
#include "npcbridge/npcbridge.h"

using npcbridge::testing::SharedHost;

namespace {

struct Collected {
  std::vector<int32_t> types;
  std::string text, json;
  int32_t last_code = 0;
  size_t png_bytes = 0;
  size_t audio_bytes = 0;
  std::string audio_json;
  int deltas = 0;
  int visemes = 0;
};

void Collect(const npcb_event* e, void* user_data) {
  auto* c = static_cast<Collected*>(user_data);
  if (e->type == NPCB_EVENT_CONNECTION_CHANGED) return;  // not part of any call
  c->types.push_back(e->type);
  if (e->type == NPCB_EVENT_TEXT_DELTA) {
    c->text += e->text;
    ++c->deltas;
  }
  if (e->json[0] != '\0') c->json = e->json;
  if (e->type == NPCB_EVENT_ERROR) c->last_code = e->code;
  if (e->type == NPCB_EVENT_AVATAR) c->png_bytes += static_cast<size_t>(e->data_len);
  if (e->type == NPCB_EVENT_AUDIO) {
    c->audio_bytes += static_cast<size_t>(e->data_len);
    c->audio_json = e->json;
  }
  if (e->type == NPCB_EVENT_VISEME && e->text[0] != '\0') ++c->visemes;
}

bool Ended(const Collected& c) {
  if (c.types.empty()) return false;
  int32_t t = c.types.back();
  return t == NPCB_EVENT_COMPLETED || t == NPCB_EVENT_ERROR || t == NPCB_EVENT_STREAM_DONE ||
         t == NPCB_EVENT_RESULT;
}

Collected PollUntilEnded(npcb_client* client, int max_ms = 30000) {
  Collected c;
  for (int waited = 0; waited < max_ms && !Ended(c); waited += 50) {
    npcb_wait_for_event(client, 50);
    npcb_poll(client, Collect, &c, 0);
  }
  return c;
}

std::string Take(char* s) {
  std::string out = s ? s : "";
  npcb_free_string(s);
  return out;
}

// Creates a character and a session over the C API; returns the session id.
std::string NewSession(npcb_client* client, const std::string& character_id) {
  std::string character = "{\"character\": {\"id\": \"" + character_id + "\", \"name\": \"Ada\"}}";
  EXPECT_EQ(npcb_call(client, "UpsertCharacter", character.c_str(), nullptr), NPCB_OK);
  char* out = nullptr;
  std::string request = "{\"character_id\": \"" + character_id + "\"}";
  EXPECT_EQ(npcb_call(client, "CreateSession", request.c_str(), &out), NPCB_OK);
  std::string session = Take(out);
  auto pos = session.find("\"id\":\"") + 6;
  return session.substr(pos, session.find('"', pos) - pos);
}

class CApi : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string options = "{\"address\": \"" + SharedHost().address() + "\", \"client_name\": \"c-tests\"}";
    ASSERT_EQ(npcb_client_create(options.c_str(), &client_), NPCB_OK);
    char* info = nullptr;
    ASSERT_EQ(npcb_connect(client_, &info), NPCB_OK) << npcb_last_error();
    EXPECT_NE(Take(info).find("\"api_version\":\"1.0.0\""), std::string::npos);
  }
  void TearDown() override { npcb_client_destroy(client_); }
  npcb_client* client_ = nullptr;
};

}  // namespace

TEST(CApiHandles, NullsAndBadOptionsAreInvalidArgument) {
  EXPECT_EQ(npcb_client_create(nullptr, nullptr), NPCB_INVALID_ARGUMENT);
  npcb_client* c = nullptr;
  EXPECT_EQ(npcb_client_create("{\"adress\": \"x\"}", &c), NPCB_INVALID_ARGUMENT);
  EXPECT_NE(std::string(npcb_last_error()).find("adress"), std::string::npos);
  EXPECT_EQ(c, nullptr);
  EXPECT_EQ(npcb_client_create("{not json", &c), NPCB_INVALID_ARGUMENT);
  EXPECT_EQ(npcb_connect(nullptr, nullptr), NPCB_INVALID_ARGUMENT);
  EXPECT_EQ(npcb_call(nullptr, "ListCharacters", "{}", nullptr), NPCB_INVALID_ARGUMENT);
  uint64_t id = 0;
  EXPECT_EQ(npcb_say(nullptr, "s", "t", nullptr, &id), NPCB_INVALID_ARGUMENT);
  EXPECT_EQ(npcb_cancel(nullptr, 1), NPCB_INVALID_ARGUMENT);
  EXPECT_EQ(npcb_poll(nullptr, Collect, nullptr, 0), -1);
  npcb_client_destroy(nullptr);
  EXPECT_STREQ(npcb_result_name(NPCB_CONNECTION_FAILED), "CONNECTION_FAILED");
  EXPECT_STREQ(npcb_api_version(), "1.0.0");
}

TEST(CApiHandles, UnreachableHostIsConnectionFailed) {
  npcb_client* c = nullptr;
  std::string options = "{\"address\": \"127.0.0.1:" + std::to_string(npcbridge::testing::FreePort()) +
                        "\", \"timeout_ms\": 1000}";
  ASSERT_EQ(npcb_client_create(options.c_str(), &c), NPCB_OK);
  EXPECT_EQ(npcb_connect(c, nullptr), NPCB_CONNECTION_FAILED);
  npcb_client_destroy(c);
}

TEST_F(CApi, EveryUnaryCallByName) {
  EXPECT_EQ(npcb_call(client_, "UpsertCharacter",
                      "{\"character\": {\"id\": \"c-npc\", \"name\": \"Ada\", \"persona\": \"A sailor.\"}}", nullptr),
            NPCB_OK) << npcb_last_error();
  char* out = nullptr;
  ASSERT_EQ(npcb_call(client_, "GetCharacter", "{\"id\": \"c-npc\"}", &out), NPCB_OK);
  EXPECT_NE(Take(out).find("\"name\":\"Ada\""), std::string::npos);
  ASSERT_EQ(npcb_call(client_, "ListCharacters", nullptr, &out), NPCB_OK);
  EXPECT_NE(Take(out).find("c-npc"), std::string::npos);
  ASSERT_EQ(npcb_call(client_, "ListAdapters", nullptr, &out), NPCB_OK) << npcb_last_error();
  Take(out);
  ASSERT_EQ(npcb_call(client_, "CreateSession", "{\"character_id\": \"c-npc\", \"player_id\": \"p\"}", &out), NPCB_OK);
  std::string session = Take(out);
  auto pos = session.find("\"id\":\"") + 6;
  std::string session_id = session.substr(pos, session.find('"', pos) - pos);
  ASSERT_EQ(npcb_call(client_, "GetSession", ("{\"id\": \"" + session_id + "\"}").c_str(), &out), NPCB_OK);
  EXPECT_NE(Take(out).find("\"character_id\":\"c-npc\""), std::string::npos);
  EXPECT_EQ(npcb_call(client_, "DeleteSession", ("{\"id\": \"" + session_id + "\"}").c_str(), nullptr), NPCB_OK);
  ASSERT_EQ(npcb_call(client_, "Check", "{\"text\": \"this damn door\", \"policy\": \"everyone\"}", &out), NPCB_OK);
  EXPECT_NE(Take(out).find("\"masked_text\":\"this **** door\""), std::string::npos);
  ASSERT_EQ(npcb_call(client_, "CheckBatch", "{\"texts\": [\"a\", \"b\"]}", &out), NPCB_OK);
  EXPECT_NE(Take(out).find("\"results\""), std::string::npos);
  ASSERT_EQ(npcb_call(client_, "ListAttributes", "{}", &out), NPCB_OK);
  EXPECT_NE(Take(out).find("\"species\""), std::string::npos);
  ASSERT_EQ(npcb_call(client_, "GetServerInfo", "{}", &out), NPCB_OK);
  EXPECT_NE(Take(out).find("\"capabilities\""), std::string::npos);
  EXPECT_EQ(npcb_call(client_, "DeleteCharacter", "{\"id\": \"c-npc\"}", nullptr), NPCB_OK);
  EXPECT_EQ(npcb_call(client_, "GetCharacter", "{\"id\": \"c-npc\"}", nullptr), NPCB_NOT_FOUND);
  ASSERT_EQ(npcb_call(client_, "UpsertDocuments",
                      R"({"collection": "c-lore", "documents": [{"id": "inn", "text": "A room costs three silver."},)"
                      R"( {"id": "wolf", "text": "Wolves fear juniper smoke."}]})", &out), NPCB_OK) << npcb_last_error();
  EXPECT_NE(Take(out).find("\"upserted\":2"), std::string::npos);
  ASSERT_EQ(npcb_call(client_, "Search", R"({"collection": "c-lore", "query": "what keeps wolves off", "k": 1})", &out),
            NPCB_OK);
  EXPECT_NE(Take(out).find("\"id\":\"wolf\""), std::string::npos);
  ASSERT_EQ(npcb_call(client_, "ListCollections", "{}", &out), NPCB_OK);
  EXPECT_NE(Take(out).find("c-lore"), std::string::npos);
  ASSERT_EQ(npcb_call(client_, "DeleteDocuments", R"({"collection": "c-lore", "ids": ["inn"]})", &out), NPCB_OK);
  EXPECT_NE(Take(out).find("\"deleted\":1"), std::string::npos);
  EXPECT_EQ(npcb_call(client_, "Search", R"({"collection": "nowhere", "query": "x"})", nullptr), NPCB_NOT_FOUND);
}

TEST_F(CApi, BadInputGivesCodesAndMessages) {
  EXPECT_EQ(npcb_call(client_, "Teleport", "{}", nullptr), NPCB_INVALID_ARGUMENT);
  EXPECT_NE(std::string(npcb_last_error()).find("known: "), std::string::npos);
  EXPECT_EQ(npcb_call(client_, "GetCharacter", "{\"idd\": 1}", nullptr), NPCB_INVALID_ARGUMENT);
  EXPECT_EQ(npcb_call(client_, "Check", "{\"text\": \"x\", \"policy\": \"nope\"}", nullptr), NPCB_INVALID_ARGUMENT);
  uint64_t id = 0;
  EXPECT_EQ(npcb_say(client_, "s", "bad \xc3\x28 utf8", nullptr, &id), NPCB_INVALID_ARGUMENT);
  EXPECT_EQ(id, 0u);
  EXPECT_EQ(npcb_say(client_, "s", "hi", "{\"max_tokens\": \"many\"}", &id), NPCB_INVALID_ARGUMENT);
  EXPECT_EQ(npcb_say(client_, "s", "hi", "{\"priority\": 1.5}", &id), NPCB_INVALID_ARGUMENT);
  EXPECT_EQ(npcb_say(client_, "s", "hi", "{\"max_tokenz\": 5}", &id), NPCB_INVALID_ARGUMENT);
  EXPECT_NE(std::string(npcb_last_error()).find("max_tokenz"), std::string::npos);
  EXPECT_EQ(npcb_generate_avatar(client_, "{\"count\": []}", &id), NPCB_INVALID_ARGUMENT);
  EXPECT_EQ(npcb_poll(client_, nullptr, nullptr, 0), -1);
  EXPECT_EQ(npcb_cancel(client_, 987654), NPCB_OK);  // unknown ids are ignored
}

TEST_F(CApi, SayStreamsThroughPollWithUserData) {
  std::string session_id = NewSession(client_, "c-say");
  uint64_t id = 0;
  ASSERT_EQ(npcb_say(client_, session_id.c_str(), "hello", "{\"max_tokens\": 32, \"priority\": 5}", &id), NPCB_OK);
  Collected c = PollUntilEnded(client_);
  EXPECT_EQ(c.types.front(), NPCB_EVENT_STARTED);
  EXPECT_EQ(c.types.back(), NPCB_EVENT_COMPLETED);
  EXPECT_EQ(c.text, "Well met, traveller. I am Ada.");
  EXPECT_NE(c.json.find("\"usage\""), std::string::npos);

  ASSERT_EQ(npcb_say(client_, session_id.c_str(), "tell me a story", nullptr, &id), NPCB_OK);
  Collected partial;
  while (partial.deltas < 3) {
    npcb_wait_for_event(client_, 100);
    npcb_poll(client_, Collect, &partial, 1);
  }
  ASSERT_EQ(npcb_cancel(client_, id), NPCB_OK);
  Collected rest = PollUntilEnded(client_);
  EXPECT_EQ(rest.types.back(), NPCB_EVENT_ERROR);
  EXPECT_EQ(rest.last_code, NPCB_CANCELLED);
}

TEST_F(CApi, EmotionAndActionEventsCarryTheirJson) {
  std::string character = R"({"character": {"id": "c-acts", "name": "Ada", "actions": [{"name": "give_item",)"
                          R"( "parameters_schema": "{\"type\": \"object\"}"}]}})";
  ASSERT_EQ(npcb_call(client_, "UpsertCharacter", character.c_str(), nullptr), NPCB_OK) << npcb_last_error();
  char* out = nullptr;
  ASSERT_EQ(npcb_call(client_, "CreateSession", R"({"character_id": "c-acts"})", &out), NPCB_OK);
  std::string session = Take(out);
  auto pos = session.find("\"id\":\"") + 6;
  std::string session_id = session.substr(pos, session.find('"', pos) - pos);
  struct Seen {
    std::vector<int32_t> types;
    std::string emotion, action_name, action_json;
  } seen;
  uint64_t id = 0;
  ASSERT_EQ(npcb_say(client_, session_id.c_str(), "my sword", nullptr, &id), NPCB_OK);
  for (int waited = 0; waited < 30000; waited += 50) {
    npcb_wait_for_event(client_, 50);
    npcb_poll(client_, [](const npcb_event* e, void* user) {
      auto* s = static_cast<Seen*>(user);
      if (e->type == NPCB_EVENT_CONNECTION_CHANGED) return;
      s->types.push_back(e->type);
      if (e->type == NPCB_EVENT_EMOTION) s->emotion = e->text;
      if (e->type == NPCB_EVENT_ACTION) {
        s->action_name = e->text;
        s->action_json = e->json;
      }
    }, &seen, 0);
    if (!seen.types.empty() && (seen.types.back() == NPCB_EVENT_COMPLETED || seen.types.back() == NPCB_EVENT_ERROR)) break;
  }
  ASSERT_FALSE(seen.types.empty());
  EXPECT_EQ(seen.types.back(), NPCB_EVENT_COMPLETED);
  EXPECT_EQ(seen.types[1], NPCB_EVENT_EMOTION);
  EXPECT_EQ(seen.emotion, "happy");
  EXPECT_EQ(seen.action_name, "give_item");
  EXPECT_NE(seen.action_json.find("sword"), std::string::npos);
}

TEST_F(CApi, SpokenReplyStreamsAudioAndVisemeEvents) {
  const char* character = R"({"character": {"id": "c-voice", "name": "Ada", "voice": {"name": "espeak:en-us"}}})";
  ASSERT_EQ(npcb_call(client_, "UpsertCharacter", character, nullptr), NPCB_OK) << npcb_last_error();
  char* out = nullptr;
  ASSERT_EQ(npcb_call(client_, "CreateSession", R"({"character_id": "c-voice"})", &out), NPCB_OK);
  std::string session = Take(out);
  auto pos = session.find("\"id\":\"") + 6;
  std::string session_id = session.substr(pos, session.find('"', pos) - pos);
  uint64_t id = 0;
  ASSERT_EQ(npcb_say(client_, session_id.c_str(), "hello", R"({"audio": true})", &id), NPCB_OK) << npcb_last_error();
  Collected c = PollUntilEnded(client_);
  ASSERT_FALSE(c.types.empty());
  EXPECT_EQ(c.types.back(), NPCB_EVENT_COMPLETED);
  EXPECT_GT(c.audio_bytes, 22050u);  // "Well met, traveller. I am Ada." lasts well over half a second
  EXPECT_GT(c.visemes, 5);
  EXPECT_NE(c.audio_json.find("\"sample_rate\":22050"), std::string::npos) << c.audio_json;
  EXPECT_EQ(c.audio_json.find("\"pcm16\":\"U"), std::string::npos);  // the samples are data, not base64 JSON
  EXPECT_EQ(npcb_say(client_, session_id.c_str(), "hello", R"({"audio": "yes"})", &id), NPCB_INVALID_ARGUMENT);
  ASSERT_EQ(npcb_call(client_, "ListVoices", nullptr, &out), NPCB_OK) << npcb_last_error();
  EXPECT_NE(Take(out).find("espeak:en-us"), std::string::npos);
  // Transcribe by name with one AudioInput: half a second of silence is no speech; no audio is refused.
  std::string silence = "{\"pcm16\": \"" + std::string(21336, 'A') + "\", \"sample_rate\": 16000}";
  ASSERT_EQ(npcb_call(client_, "Transcribe", silence.c_str(), &out), NPCB_OK) << npcb_last_error();
  EXPECT_NE(Take(out).find("\"text\":\"\""), std::string::npos);
  EXPECT_EQ(npcb_call(client_, "Transcribe", R"({"sample_rate": 16000})", nullptr), NPCB_INVALID_ARGUMENT);
  EXPECT_NE(std::string(npcb_last_error()).find("no audio"), std::string::npos) << npcb_last_error();
}

TEST_F(CApi, AvatarsAndAsyncCalls) {
  uint64_t id = 0;
  ASSERT_EQ(npcb_generate_avatar(client_, "{\"description\": \"an orc\", \"count\": 2, \"seed\": 3}", &id), NPCB_OK);
  Collected c = PollUntilEnded(client_);
  EXPECT_EQ(c.types.back(), NPCB_EVENT_STREAM_DONE);
  EXPECT_EQ(std::count(c.types.begin(), c.types.end(), NPCB_EVENT_AVATAR), 2);
  EXPECT_GT(c.png_bytes, 200u);
  EXPECT_NE(c.json.find("\"species\":\"orc\""), std::string::npos);
  EXPECT_NE(c.json.find("\"png\":\"\""), std::string::npos);  // bytes travel in data, not base64 JSON

  ASSERT_EQ(npcb_call_async(client_, "ListAttributes", "{}", &id), NPCB_OK);
  Collected result = PollUntilEnded(client_);
  EXPECT_EQ(result.types.back(), NPCB_EVENT_RESULT);
  EXPECT_NE(result.json.find("hair_style"), std::string::npos);
  ASSERT_EQ(npcb_call_async(client_, "GetCharacter", "{\"id\": \"nobody\"}", &id), NPCB_OK);
  Collected missing = PollUntilEnded(client_);
  EXPECT_EQ(missing.last_code, NPCB_NOT_FOUND);
}

TEST_F(CApi, DestroyWhileAStreamRuns) {
  std::string session_id = NewSession(client_, "c-x");
  uint64_t id = 0;
  ASSERT_EQ(npcb_say(client_, session_id.c_str(), "a story", nullptr, &id), NPCB_OK);
  npcb_wait_for_event(client_, 2000);
  npcb_client_destroy(client_);  // cancels and joins; TearDown must not destroy twice
  client_ = nullptr;
}
