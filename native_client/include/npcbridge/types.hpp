// Plain C++ types of the NPC Bridge client API: no gRPC or protobuf here, so a
// game module can include them without those headers on its include path.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#if defined(_WIN32)
#  if defined(NPCB_BUILDING_LIBRARY)
#    define NPCB_API __declspec(dllexport)
#  else
#    define NPCB_API __declspec(dllimport)
#  endif
#else
#  define NPCB_API __attribute__((visibility("default")))
#endif

namespace npcbridge {

/// The API version this client speaks (major.minor.patch); the host must share the major.
inline constexpr const char* kClientApiVersion = "1.0.0";

/// Mirrors grpc::StatusCode, plus ConnectionFailed for "could not reach the host".
enum class StatusCode : int32_t {
  Ok = 0, Cancelled = 1, Unknown = 2, InvalidArgument = 3, DeadlineExceeded = 4, NotFound = 5,
  AlreadyExists = 6, PermissionDenied = 7, ResourceExhausted = 8, FailedPrecondition = 9, Aborted = 10,
  OutOfRange = 11, Unimplemented = 12, Internal = 13, Unavailable = 14, DataLoss = 15, Unauthenticated = 16,
  ConnectionFailed = 100,
};

struct Status {
  StatusCode code = StatusCode::Ok;
  std::string message;
  bool ok() const { return code == StatusCode::Ok; }
};

/// How to reach the host. Every call gets a deadline; streams get the longer one.
struct ClientOptions {
  std::string address = "127.0.0.1:50051";
  std::string auth_token;        ///< sent as "authorization: Bearer <token>" when not empty
  bool tls = false;
  std::string tls_root_certs;    ///< PEM; empty uses the system roots when tls is on
  std::string client_name = "npcbridge-native";
  int32_t timeout_ms = 10000;         ///< unary calls
  int32_t stream_timeout_ms = 300000; ///< Say and Generate streams
  int32_t reconnect_initial_ms = 200; ///< first reconnect delay; doubles up to reconnect_max_ms
  int32_t reconnect_max_ms = 5000;
  int32_t keepalive_ms = 30000;
};

enum class ConnectionState : int32_t { Idle = 0, Connecting = 1, Ready = 2, TransientFailure = 3, Shutdown = 4 };

struct Capabilities {
  bool dialogue = false, avatars = false, moderation = false, streaming_moderation = false;
  bool auth_required = false, tls = false, persistent_sessions = false, priority = false;
};

struct ModelInfo {
  std::string name, kind, device, dtype, backend;
  int32_t context_length = 0;
};

struct ServerInfo {
  std::string api_version, runtime_version;
  Capabilities capabilities;
  std::vector<ModelInfo> models;
  std::map<std::string, int32_t> limits;
};

struct Character {
  std::string id, name, persona, backstory, speaking_style, greeting, safety_policy;
  std::vector<std::string> knowledge, deflections;
};

enum class Role : int32_t { Unspecified = 0, Player = 1, Character = 2 };

struct Turn {
  Role role = Role::Unspecified;
  std::string text, interaction_id;
  int64_t created_at_ms = 0;
};

struct Session {
  std::string id, character_id, player_id;
  std::vector<Turn> turns;
  int64_t created_at_ms = 0;
};

struct GenerationParams {
  int32_t max_tokens = 0;  ///< 0: the host default
  std::optional<float> temperature, top_p;
  std::optional<uint64_t> seed;
  /// Scheduling priority (SayRequest.priority): higher is served first when the
  /// host is busy, e.g. the NPC next to the player. Ties: first come, first served.
  int32_t priority = 0;
};

enum class ModerationAction : int32_t { Unspecified = 0, Allow = 1, Mask = 2, Block = 3 };

struct Span {
  int32_t start = 0, end = 0;
  std::string category;
};

struct CheckResult {
  bool flagged = false;
  ModerationAction action = ModerationAction::Unspecified;
  std::vector<std::string> flagged_categories;
  std::map<std::string, float> scores;
  std::vector<Span> spans;
  std::string masked_text;
};

struct AvatarAttribute {
  std::string name;
  std::vector<std::string> values;
};

struct AvatarRequest {
  std::map<std::string, std::string> attributes;
  std::string description;
  int32_t count = 1;
  std::optional<uint64_t> seed;
  std::optional<float> truncation;
};

struct Avatar {
  std::string id;
  uint64_t seed = 0;
  std::vector<float> latent;
  std::map<std::string, std::string> attributes, colors;
  std::map<std::string, float> morph_targets;
  std::vector<uint8_t> png;
  int32_t width = 0, height = 0;
};

struct Completed {
  std::string text, finish_reason, interaction_id;
  int32_t prompt_tokens = 0, completion_tokens = 0;
  float queue_ms = 0, ttft_ms = 0, total_ms = 0, tokens_per_second = 0;
};

enum class EventType : int32_t {
  Started = 1,           ///< Say accepted: text = interaction id
  TextDelta = 2,         ///< text = the new text
  Moderation = 3,        ///< moderation_* fields
  Completed = 4,         ///< completed; the stream is over
  AvatarProgress = 5,    ///< progress_completed / progress_total, text = stage
  Avatar = 6,            ///< avatar
  StreamDone = 7,        ///< a Generate stream ended normally
  Error = 8,             ///< status; the call is over
  ConnectionChanged = 9, ///< connection_state
  VersionWarning = 10,   ///< text says what differs
  Result = 11,           ///< an async unary call finished: json = its response
};

/// One thing that happened; delivered only by Client::Poll on the game's thread.
struct Event {
  EventType type = EventType::Error;
  uint64_t request_id = 0;  ///< the id Say/GenerateAvatar returned; 0 for connection events
  std::string text;
  std::string json;  ///< Completed, Moderation, Avatar (png left out) and Result as .proto-named JSON
  Status status;
  Completed completed;
  std::string moderation_source, moderation_message;
  ModerationAction moderation_action = ModerationAction::Unspecified;
  std::vector<std::string> moderation_categories;
  int32_t progress_completed = 0, progress_total = 0;
  Avatar avatar;
  ConnectionState connection_state = ConnectionState::Idle;
};

}  // namespace npcbridge
