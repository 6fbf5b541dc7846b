// NPC Bridge C++ client. Thread-safe submission; events are queued and handed
// to the game only from Poll(), on whichever thread calls it, so no game code
// ever runs on a gRPC thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "npcbridge/types.hpp"

namespace npcbridge {

class Core;

class NPCB_API Client {
 public:
  /// Creates the channel (no network traffic yet). Reconnects by itself with
  /// exponential backoff whenever the host goes away.
  explicit Client(ClientOptions options);
  ~Client();  ///< cancels every call in flight and waits for them
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Handshake: GetServerInfo. A different major API version fails with
  /// FailedPrecondition saying which side to upgrade; a newer minor on the host
  /// queues a VersionWarning event.
  Status Connect(ServerInfo* info = nullptr);
  /// Connect without blocking, cancellable: a Result event with the ServerInfo JSON,
  /// or an Error event with Connect's status.
  uint64_t ConnectAsync();
  Status GetServerInfo(ServerInfo* info);

  Status UpsertCharacter(const Character& character, Character* stored = nullptr);
  Status GetCharacter(const std::string& id, Character* character);
  Status ListCharacters(std::vector<Character>* characters);
  /// The LoRA adapters the host can give characters (Character::adapter), and which are loaded.
  Status ListAdapters(std::vector<AdapterInfo>* adapters);
  Status DeleteCharacter(const std::string& id);
  Status CreateSession(const std::string& character_id, const std::string& player_id, Session* session);
  Status GetSession(const std::string& id, Session* session);
  Status DeleteSession(const std::string& id);
  /// What an NPC does when it spawns, without blocking and cancellable: with `upsert`,
  /// store `character` first (an empty id gets one from the host), then open a session
  /// with the id the host stored it under. Result event: the Session JSON.
  uint64_t OpenSessionAsync(const Character& character, bool upsert, const std::string& player_id,
                            Status* error = nullptr);

  Status Check(const std::string& text, CheckResult* result, const std::string& policy = "",
               const std::string& context = "");
  Status CheckBatch(const std::vector<std::string>& texts, std::vector<CheckResult>* results,
                    const std::string& policy = "", const std::string& context = "");
  /// The avatar model's attributes and, with `expressions`, the expressions it renders with
  /// their ARKit weights (empty for a neutral-only model; see face_expressions.hpp).
  Status ListAttributes(std::vector<Attribute>* attributes, std::vector<Expression>* expressions = nullptr);

  /// Adds or replaces lore documents in a collection (created on first use); all or nothing.
  Status UpsertDocuments(const std::string& collection, const std::vector<Document>& documents,
                         UpsertDocumentsResponse* response = nullptr);
  Status DeleteDocuments(const std::string& collection, const std::vector<std::string>& ids, int32_t* deleted = nullptr);
  /// The passages closest in meaning to `query`, best first (k 0 means 5).
  Status Search(const std::string& collection, const std::string& query, int32_t k, std::vector<SearchHit>* hits);
  Status ListCollections(std::vector<CollectionInfo>* collections);

  /// What a character remembers of a player (empty character_id: every character).
  Status ListMemories(const std::string& player_id, const std::string& character_id, std::vector<MemoryItem>* memories);
  Status AddMemory(const MemoryItem& memory, MemoryItem* stored = nullptr);
  Status DeleteMemory(const std::string& id);
  /// Deletes everything stored about a player (sessions, turns, memories, relationships).
  Status ForgetPlayer(const std::string& player_id, ForgetPlayerResponse* forgotten = nullptr);
  Status GetRelationship(const std::string& player_id, const std::string& character_id, Relationship* relationship);
  Status SetRelationship(const Relationship& relationship, Relationship* stored = nullptr);

  /// Starts a Say stream; returns its request id (> 0), or 0 with *error set.
  /// Events: Started, TextDelta..., Moderation?, then Completed or Error.
  uint64_t Say(const SayRequest& request, Status* error = nullptr);
  /// Say with default priority.
  uint64_t Say(const std::string& session_id, const std::string& text, const GenerationParams& params = {},
               Status* error = nullptr);
  /// Starts a Generate stream: AvatarProgress/Avatar events, then StreamDone or Error.
  uint64_t GenerateAvatar(const GenerateAvatarRequest& request, Status* error = nullptr);
  /// Any unary call by name ("GetCharacter", "Check", ...; JSON in the .proto mapping),
  /// without blocking and cancellable: its Result event carries the response JSON
  /// (npcbridge/contract_json.hpp turns either side into the plain structs).
  uint64_t CallAsync(const std::string& method, const std::string& request_json);
  /// Cancels a stream or async call (the host stops generating); its last event is Error(Cancelled).
  void Cancel(uint64_t request_id);

  /// Hands queued events to `handler` on the calling thread; returns how many.
  /// `max_events` 0 means all that are queued.
  size_t Poll(const std::function<void(const Event&)>& handler, size_t max_events = 0);
  /// Blocks up to timeout_ms for an event to be queued (for tools and tests, not game loops).
  bool WaitForEvent(int32_t timeout_ms);

  ConnectionState GetConnectionState() const;
  const ClientOptions& options() const;

  /// The core, for the C API in the same library.
  Core& core();

 private:
  std::unique_ptr<Core> core_;
};

NPCB_API const char* StatusCodeName(StatusCode code);

}  // namespace npcbridge
