// What a fleet of hosts needs from the client: the `x-npc-character` routing
// header (a balancer hashes it, so one character's calls reach the replica that
// has its prompt cached), gRPC's own retries of unary calls that meet UNAVAILABLE,
// and which character each session belongs to (Say names only the session).
#pragma once

#include <google/protobuf/message.h>

#include <map>
#include <mutex>
#include <string>

namespace npcbridge {

inline constexpr const char* kRoutingHeader = "x-npc-character";

/// The channel's service config: every unary v1 method (read from the contract's
/// descriptors) retries UNAVAILABLE twice with short backoff (a host that is down still
/// answers Unavailable within a 1 s deadline); streams are never
/// retried, their errors reach the game.
std::string RetryServiceConfig();

/// Which character each session talks to, as learnt from the sessions this client saw.
class SessionRoutes {
 public:
  void Remember(const std::string& session_id, const std::string& character_id);
  void Forget(const std::string& session_id);
  std::string CharacterOf(const std::string& session_id) const;
  /// Remembers the session a response carries (CreateSession, GetSession).
  void Learn(const google::protobuf::Message& response);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> character_of_;
};

/// The character a request concerns ("" when none, e.g. ListCharacters or a session
/// this client never saw): its character_id field, the id of a character request,
/// or the character of its session.
std::string RoutingKey(const google::protobuf::Message& request, const SessionRoutes& routes);

}  // namespace npcbridge
