#include "routing.hpp"

#include <google/protobuf/descriptor.h>

#include <set>

#include "npcbridge/v1/avatar.pb.h"
#include "npcbridge/v1/dialogue.pb.h"
#include "npcbridge/v1/knowledge.pb.h"
#include "npcbridge/v1/memory.pb.h"
#include "npcbridge/v1/moderation.pb.h"
#include "npcbridge/v1/runtime.pb.h"

namespace npcbridge {

namespace pb = google::protobuf;

std::string RetryServiceConfig() {
  const pb::FileDescriptor* files[] = {
      v1::GetServerInfoRequest::descriptor()->file(), v1::SayRequest::descriptor()->file(),
      v1::GenerateAvatarRequest::descriptor()->file(), v1::CheckRequest::descriptor()->file(),
      v1::SearchRequest::descriptor()->file(),        v1::ListMemoriesRequest::descriptor()->file()};
  std::string names;
  for (const pb::FileDescriptor* file : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      const pb::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const pb::MethodDescriptor* method = service->method(m);
        if (method->server_streaming()) continue;
        names += std::string(names.empty() ? "" : ",") + R"({"service":")" + std::string(service->full_name()) +
                 R"(","method":")" + std::string(method->name()) + R"("})";
      }
    }
  }
  return R"({"methodConfig":[{"name":[)" + names +
         R"(],"retryPolicy":{"maxAttempts":3,"initialBackoff":"0.05s","maxBackoff":"0.4s",)"
         R"("backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"]}}]})";
}

void SessionRoutes::Remember(const std::string& session_id, const std::string& character_id) {
  if (session_id.empty() || character_id.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  character_of_[session_id] = character_id;
}

void SessionRoutes::Forget(const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  character_of_.erase(session_id);
}

std::string SessionRoutes::CharacterOf(const std::string& session_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = character_of_.find(session_id);
  return it == character_of_.end() ? "" : it->second;
}

void SessionRoutes::Learn(const pb::Message& response) {
  if (const auto* session = dynamic_cast<const v1::Session*>(&response)) Remember(session->id(), session->character_id());
}

namespace {
std::string StringField(const pb::Message& message, const char* name) {
  const pb::FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(name);
  if (field == nullptr || field->type() != pb::FieldDescriptor::TYPE_STRING || field->is_repeated()) return "";
  return message.GetReflection()->GetString(message, field);
}
}  // namespace

std::string RoutingKey(const pb::Message& request, const SessionRoutes& routes) {
  static const std::set<std::string> kCharacterById = {"GetCharacterRequest", "DeleteCharacterRequest"};
  static const std::set<std::string> kSessionById = {"GetSessionRequest", "DeleteSessionRequest"};
  const std::string type(request.GetDescriptor()->name());
  if (const auto* upsert = dynamic_cast<const v1::UpsertCharacterRequest*>(&request)) return upsert->character().id();
  if (kCharacterById.count(type)) return StringField(request, "id");
  if (kSessionById.count(type)) return routes.CharacterOf(StringField(request, "id"));
  if (std::string character = StringField(request, "character_id"); !character.empty()) return character;
  return routes.CharacterOf(StringField(request, "session_id"));
}

}  // namespace npcbridge
