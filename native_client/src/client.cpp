#include "npcbridge/client.hpp"


#include "convert.hpp"
#include "core.hpp"

namespace npcbridge {

namespace {

Status Invalid(const std::string& message) { return {StatusCode::InvalidArgument, message}; }

Status CheckUtf8(const std::string& value, const char* what) {
  if (IsValidUtf8(value)) return {};
  return Invalid(std::string(what) + " is not valid UTF-8; send UTF-8 text");
}

}  // namespace

Client::Client(ClientOptions options) : core_(std::make_unique<Core>(std::move(options))) {}
Client::~Client() = default;

Core& Client::core() { return *core_; }
const ClientOptions& Client::options() const { return core_->options(); }
ConnectionState Client::GetConnectionState() const { return core_->State(); }

Status Client::GetServerInfo(ServerInfo* info) {
  v1::GetServerInfoRequest req;
  req.set_client_name(core_->options().client_name);
  req.set_client_api_version(kClientApiVersion);
  v1::ServerInfo resp;
  Status s = core_->Call(&v1::Runtime::Stub::GetServerInfo, core_->runtime(), req, &resp);
  if (s.ok() && info) *info = FromProto(resp);
  return s;
}

Status Client::Connect(ServerInfo* out) {
  v1::ServerInfo msg;
  Status s = core_->Handshake(&msg);
  if (s.ok() && out) *out = FromProto(msg);
  return s;
}

Status Client::UpsertCharacter(const Character& character, Character* stored) {
  for (const auto* field : {&character.id, &character.name, &character.persona, &character.backstory,
                            &character.speaking_style, &character.greeting}) {
    if (Status s = CheckUtf8(*field, "a character field"); !s.ok()) return s;
  }
  v1::UpsertCharacterRequest req;
  *req.mutable_character() = ToProto(character);
  v1::Character resp;
  Status s = core_->Call(&v1::Dialogue::Stub::UpsertCharacter, core_->dialogue(), req, &resp);
  if (s.ok() && stored) *stored = FromProto(resp);
  return s;
}

Status Client::GetCharacter(const std::string& id, Character* character) {
  if (Status s = CheckUtf8(id, "id"); !s.ok()) return s;
  v1::GetCharacterRequest req;
  req.set_id(id);
  v1::Character resp;
  Status s = core_->Call(&v1::Dialogue::Stub::GetCharacter, core_->dialogue(), req, &resp);
  if (s.ok() && character) *character = FromProto(resp);
  return s;
}

Status Client::ListCharacters(std::vector<Character>* characters) {
  v1::ListCharactersResponse resp;
  Status s = core_->Call(&v1::Dialogue::Stub::ListCharacters, core_->dialogue(), v1::ListCharactersRequest(), &resp);
  if (s.ok() && characters) {
    characters->clear();
    for (const auto& c : resp.characters()) characters->push_back(FromProto(c));
  }
  return s;
}

Status Client::DeleteCharacter(const std::string& id) {
  if (Status s = CheckUtf8(id, "id"); !s.ok()) return s;
  v1::DeleteCharacterRequest req;
  req.set_id(id);
  v1::DeleteCharacterResponse resp;
  return core_->Call(&v1::Dialogue::Stub::DeleteCharacter, core_->dialogue(), req, &resp);
}

Status Client::CreateSession(const std::string& character_id, const std::string& player_id, Session* session) {
  if (Status s = CheckUtf8(character_id + player_id, "character_id or player_id"); !s.ok()) return s;
  v1::CreateSessionRequest req;
  req.set_character_id(character_id);
  req.set_player_id(player_id);
  v1::Session resp;
  Status s = core_->Call(&v1::Dialogue::Stub::CreateSession, core_->dialogue(), req, &resp);
  if (s.ok() && session) *session = FromProto(resp);
  return s;
}

Status Client::GetSession(const std::string& id, Session* session) {
  if (Status s = CheckUtf8(id, "id"); !s.ok()) return s;
  v1::GetSessionRequest req;
  req.set_id(id);
  v1::Session resp;
  Status s = core_->Call(&v1::Dialogue::Stub::GetSession, core_->dialogue(), req, &resp);
  if (s.ok() && session) *session = FromProto(resp);
  return s;
}

Status Client::DeleteSession(const std::string& id) {
  if (Status s = CheckUtf8(id, "id"); !s.ok()) return s;
  v1::DeleteSessionRequest req;
  req.set_id(id);
  v1::DeleteSessionResponse resp;
  return core_->Call(&v1::Dialogue::Stub::DeleteSession, core_->dialogue(), req, &resp);
}

Status Client::Check(const std::string& text, CheckResult* result, const std::string& policy,
                     const std::string& context) {
  if (Status s = CheckUtf8(text, "text"); !s.ok()) return s;
  v1::CheckRequest req;
  req.set_text(text);
  req.set_policy(policy);
  req.set_context(context);
  v1::CheckResult resp;
  Status s = core_->Call(&v1::Moderation::Stub::Check, core_->moderation(), req, &resp);
  if (s.ok() && result) *result = FromProto(resp);
  return s;
}

Status Client::CheckBatch(const std::vector<std::string>& texts, std::vector<CheckResult>* results,
                          const std::string& policy, const std::string& context) {
  v1::CheckBatchRequest req;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (!IsValidUtf8(texts[i])) return Invalid("texts[" + std::to_string(i) + "] is not valid UTF-8");
    req.add_texts(texts[i]);
  }
  req.set_policy(policy);
  req.set_context(context);
  v1::CheckBatchResponse resp;
  Status s = core_->Call(&v1::Moderation::Stub::CheckBatch, core_->moderation(), req, &resp);
  if (s.ok() && results) {
    results->clear();
    for (const auto& r : resp.results()) results->push_back(FromProto(r));
  }
  return s;
}

Status Client::ListAttributes(std::vector<AvatarAttribute>* attributes) {
  v1::ListAttributesResponse resp;
  Status s = core_->Call(&v1::Avatars::Stub::ListAttributes, core_->avatars(), v1::ListAttributesRequest(), &resp);
  if (s.ok() && attributes) {
    attributes->clear();
    for (const auto& a : resp.attributes()) attributes->push_back({a.name(), {a.values().begin(), a.values().end()}});
  }
  return s;
}

uint64_t Client::Say(const std::string& session_id, const std::string& text, const GenerationParams& params,
                     Status* error) {
  Status s = CheckUtf8(text, "text");
  if (s.ok()) s = CheckUtf8(session_id, "session_id");
  if (!s.ok()) {
    if (error) *error = s;
    return 0;
  }
  v1::SayRequest req;
  req.set_session_id(session_id);
  req.set_text(text);
  *req.mutable_params() = ToProto(params);
  req.set_priority(params.priority);
  if (error) *error = {};
  return core_->StartSay(std::move(req));
}

uint64_t Client::GenerateAvatar(const AvatarRequest& request, Status* error) {
  Status s = CheckUtf8(request.description, "description");
  for (const auto& [k, v] : request.attributes) {
    if (s.ok()) s = CheckUtf8(k + v, "an attribute");
  }
  if (!s.ok()) {
    if (error) *error = s;
    return 0;
  }
  if (error) *error = {};
  return core_->StartGenerate(ToProto(request));
}

uint64_t Client::CallAsync(const std::string& method, const std::string& request_json) {
  return core_->StartUnary(method, request_json);
}

void Client::Cancel(uint64_t request_id) { core_->Cancel(request_id); }

size_t Client::Poll(const std::function<void(const Event&)>& handler, size_t max_events) {
  return core_->Poll(handler, max_events);
}

bool Client::WaitForEvent(int32_t timeout_ms) { return core_->WaitForEvent(timeout_ms); }

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::Ok: return "OK";
    case StatusCode::Cancelled: return "CANCELLED";
    case StatusCode::Unknown: return "UNKNOWN";
    case StatusCode::InvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::DeadlineExceeded: return "DEADLINE_EXCEEDED";
    case StatusCode::NotFound: return "NOT_FOUND";
    case StatusCode::AlreadyExists: return "ALREADY_EXISTS";
    case StatusCode::PermissionDenied: return "PERMISSION_DENIED";
    case StatusCode::ResourceExhausted: return "RESOURCE_EXHAUSTED";
    case StatusCode::FailedPrecondition: return "FAILED_PRECONDITION";
    case StatusCode::Aborted: return "ABORTED";
    case StatusCode::OutOfRange: return "OUT_OF_RANGE";
    case StatusCode::Unimplemented: return "UNIMPLEMENTED";
    case StatusCode::Internal: return "INTERNAL";
    case StatusCode::Unavailable: return "UNAVAILABLE";
    case StatusCode::DataLoss: return "DATA_LOSS";
    case StatusCode::Unauthenticated: return "UNAUTHENTICATED";
    case StatusCode::ConnectionFailed: return "CONNECTION_FAILED";
  }
  return "UNKNOWN";
}

}  // namespace npcbridge
