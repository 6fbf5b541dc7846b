// Plain C++ types of the NPC Bridge client API: no gRPC or protobuf here, so a
// game module can include them without those headers on its include path. The
// contract's messages (Character, Session, Completed, ...) are generated from the
// .proto files into npcbridge/contract.hpp; this file adds what the client itself is.
#pragma once

#include <cstdint>
#include <string>

#include "npcbridge/contract.hpp"

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

enum class EventType : int32_t {
  Started = 1,           ///< Say accepted: text = interaction id
  TextDelta = 2,         ///< text = the new text
  Moderation = 3,        ///< moderation
  Completed = 4,         ///< completed; the stream is over
  AvatarProgress = 5,    ///< progress; text = its stage
  Avatar = 6,            ///< avatar
  StreamDone = 7,        ///< a Generate stream ended normally
  Error = 8,             ///< status; the call is over
  ConnectionChanged = 9, ///< connection_state
  VersionWarning = 10,   ///< text says what differs
  Result = 11,           ///< an async unary call finished: json = its response
  Emotion = 12,          ///< emotion (before the reply's first TextDelta); text = its label
  Action = 13,           ///< action: a checked call for the game to carry out; text = its name
  Audio = 14,            ///< audio: a PCM16 mono chunk of a spoken reply (SayRequest.audio)
  Viseme = 15,           ///< viseme: a mouth shape timed on the reply's audio timeline; text = its name
};

/// One thing that happened; delivered only by Client::Poll on the game's thread.
struct Event {
  EventType type = EventType::Error;
  uint64_t request_id = 0;  ///< the id Say/GenerateAvatar returned; 0 for connection events
  std::string text;
  std::string json;  ///< Completed, Moderation, Emotion, Action, Viseme, Audio and Avatar (bytes left out), Result: .proto-named JSON
  Status status;
  Completed completed;
  ModerationNotice moderation;
  Progress progress;
  Avatar avatar;
  Emotion emotion;
  ActionCall action;
  AudioChunk audio;
  Viseme viseme;
  ConnectionState connection_state = ConnectionState::Idle;
};

}  // namespace npcbridge
