#include "npcbridge/client.hpp"

#include <utility>

#include "convert.hpp"
#include "core.hpp"

namespace npcbridge {

namespace {

// Every string field of a request (generated check): the host would reject it anyway,
// with a less helpful message, after a round trip.
template <class Request>
Status CheckUtf8(const Request& request) {
  std::string field;
  if (ValidUtf8(request, &field)) return {};
  return {StatusCode::InvalidArgument, field + " is not valid UTF-8; send UTF-8 text"};
}

// One unary call with plain structs on both sides.
template <class Stub, class ProtoRequest, class ProtoResponse, class Request, class Response>
Status Unary(Core& core, Stub* stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const ProtoRequest&, ProtoResponse*),
             const Request& request, Response* response) {
  if (Status s = CheckUtf8(request); !s.ok()) return s;
  ProtoResponse resp;
  Status s = core.Call(method, stub, ToProto(request), &resp);
  if (s.ok() && response != nullptr) *response = FromProto(resp);
  return s;
}

}  // namespace

Client::Client(ClientOptions options) : core_(std::make_unique<Core>(std::move(options))) {}
Client::~Client() = default;

Core& Client::core() { return *core_; }
const ClientOptions& Client::options() const { return core_->options(); }
ConnectionState Client::GetConnectionState() const { return core_->State(); }

Status Client::GetServerInfo(ServerInfo* info) {
  return Unary(*core_, core_->runtime(), &v1::Runtime::Stub::GetServerInfo,
               GetServerInfoRequest{core_->options().client_name, kClientApiVersion}, info);
}

Status Client::Connect(ServerInfo* out) {
  v1::ServerInfo msg;
  Status s = core_->Handshake(&msg);
  if (s.ok() && out) *out = FromProto(msg);
  return s;
}

Status Client::UpsertCharacter(const Character& character, Character* stored) {
  return Unary(*core_, core_->dialogue(), &v1::Dialogue::Stub::UpsertCharacter, UpsertCharacterRequest{character},
               stored);
}

Status Client::GetCharacter(const std::string& id, Character* character) {
  return Unary(*core_, core_->dialogue(), &v1::Dialogue::Stub::GetCharacter, GetCharacterRequest{id}, character);
}

Status Client::ListCharacters(std::vector<Character>* characters) {
  ListCharactersResponse resp;
  Status s = Unary(*core_, core_->dialogue(), &v1::Dialogue::Stub::ListCharacters, ListCharactersRequest{}, &resp);
  if (s.ok() && characters != nullptr) *characters = std::move(resp.characters);
  return s;
}

Status Client::ListAdapters(std::vector<AdapterInfo>* adapters) {
  ListAdaptersResponse resp;
  Status s = Unary(*core_, core_->dialogue(), &v1::Dialogue::Stub::ListAdapters, ListAdaptersRequest{}, &resp);
  if (s.ok() && adapters != nullptr) *adapters = std::move(resp.adapters);
  return s;
}

Status Client::DeleteCharacter(const std::string& id) {
  DeleteCharacterResponse resp;
  return Unary(*core_, core_->dialogue(), &v1::Dialogue::Stub::DeleteCharacter, DeleteCharacterRequest{id}, &resp);
}

Status Client::CreateSession(const std::string& character_id, const std::string& player_id, Session* session) {
  return Unary(*core_, core_->dialogue(), &v1::Dialogue::Stub::CreateSession,
               CreateSessionRequest{character_id, player_id}, session);
}

Status Client::GetSession(const std::string& id, Session* session) {
  return Unary(*core_, core_->dialogue(), &v1::Dialogue::Stub::GetSession, GetSessionRequest{id}, session);
}

Status Client::DeleteSession(const std::string& id) {
  DeleteSessionResponse resp;
  return Unary(*core_, core_->dialogue(), &v1::Dialogue::Stub::DeleteSession, DeleteSessionRequest{id}, &resp);
}

Status Client::Check(const std::string& text, CheckResult* result, const std::string& policy,
                     const std::string& context) {
  return Unary(*core_, core_->moderation(), &v1::Moderation::Stub::Check, CheckRequest{text, policy, context},
               result);
}

Status Client::CheckBatch(const std::vector<std::string>& texts, std::vector<CheckResult>* results,
                          const std::string& policy, const std::string& context) {
  CheckBatchResponse resp;
  Status s = Unary(*core_, core_->moderation(), &v1::Moderation::Stub::CheckBatch,
                   CheckBatchRequest{texts, policy, context}, &resp);
  if (s.ok() && results != nullptr) *results = std::move(resp.results);
  return s;
}

Status Client::ListAttributes(std::vector<Attribute>* attributes, std::vector<Expression>* expressions) {
  ListAttributesResponse resp;
  Status s = Unary(*core_, core_->avatars(), &v1::Avatars::Stub::ListAttributes, ListAttributesRequest{}, &resp);
  if (s.ok() && attributes != nullptr) *attributes = std::move(resp.attributes);
  if (s.ok() && expressions != nullptr) *expressions = std::move(resp.expressions);
  return s;
}

Status Client::UpsertDocuments(const std::string& collection, const std::vector<Document>& documents,
                               UpsertDocumentsResponse* response) {
  UpsertDocumentsResponse resp;
  Status s = Unary(*core_, core_->knowledge(), &v1::Knowledge::Stub::UpsertDocuments,
                   UpsertDocumentsRequest{collection, documents}, &resp);
  if (s.ok() && response != nullptr) *response = resp;
  return s;
}

Status Client::DeleteDocuments(const std::string& collection, const std::vector<std::string>& ids, int32_t* deleted) {
  DeleteDocumentsResponse resp;
  Status s = Unary(*core_, core_->knowledge(), &v1::Knowledge::Stub::DeleteDocuments,
                   DeleteDocumentsRequest{collection, ids}, &resp);
  if (s.ok() && deleted != nullptr) *deleted = resp.deleted;
  return s;
}

Status Client::Search(const std::string& collection, const std::string& query, int32_t k,
                      std::vector<SearchHit>* hits) {
  SearchResponse resp;
  Status s = Unary(*core_, core_->knowledge(), &v1::Knowledge::Stub::Search, SearchRequest{collection, query, k}, &resp);
  if (s.ok() && hits != nullptr) *hits = std::move(resp.hits);
  return s;
}

Status Client::ListCollections(std::vector<CollectionInfo>* collections) {
  ListCollectionsResponse resp;
  Status s = Unary(*core_, core_->knowledge(), &v1::Knowledge::Stub::ListCollections, ListCollectionsRequest{}, &resp);
  if (s.ok() && collections != nullptr) *collections = std::move(resp.collections);
  return s;
}

Status Client::ListMemories(const std::string& player_id, const std::string& character_id,
                            std::vector<MemoryItem>* memories) {
  ListMemoriesResponse resp;
  Status s = Unary(*core_, core_->memory(), &v1::Memory::Stub::ListMemories,
                   ListMemoriesRequest{player_id, character_id}, &resp);
  if (s.ok() && memories != nullptr) *memories = std::move(resp.memories);
  return s;
}

Status Client::AddMemory(const MemoryItem& memory, MemoryItem* stored) {
  MemoryItem resp;
  Status s = Unary(*core_, core_->memory(), &v1::Memory::Stub::AddMemory, AddMemoryRequest{memory}, &resp);
  if (s.ok() && stored != nullptr) *stored = resp;
  return s;
}

Status Client::DeleteMemory(const std::string& id) {
  DeleteMemoryResponse resp;
  return Unary(*core_, core_->memory(), &v1::Memory::Stub::DeleteMemory, DeleteMemoryRequest{id}, &resp);
}

Status Client::ForgetPlayer(const std::string& player_id, ForgetPlayerResponse* forgotten) {
  ForgetPlayerResponse resp;
  Status s = Unary(*core_, core_->memory(), &v1::Memory::Stub::ForgetPlayer, ForgetPlayerRequest{player_id}, &resp);
  if (s.ok() && forgotten != nullptr) *forgotten = resp;
  return s;
}

Status Client::GetRelationship(const std::string& player_id, const std::string& character_id,
                               Relationship* relationship) {
  return Unary(*core_, core_->memory(), &v1::Memory::Stub::GetRelationship,
               GetRelationshipRequest{player_id, character_id}, relationship);
}

Status Client::SetRelationship(const Relationship& relationship, Relationship* stored) {
  Relationship resp;
  Status s = Unary(*core_, core_->memory(), &v1::Memory::Stub::SetRelationship, SetRelationshipRequest{relationship},
                   &resp);
  if (s.ok() && stored != nullptr) *stored = resp;
  return s;
}

uint64_t Client::Say(const SayRequest& request, Status* error) {
  Status s = CheckUtf8(request);
  if (error) *error = s;
  return s.ok() ? core_->StartSay(ToProto(request)) : 0;
}

uint64_t Client::Say(const std::string& session_id, const std::string& text, const GenerationParams& params,
                     Status* error) {
  return Say(SayRequest{session_id, text, params, 0}, error);
}

uint64_t Client::GenerateAvatar(const GenerateAvatarRequest& request, Status* error) {
  Status s = CheckUtf8(request);
  if (error) *error = s;
  return s.ok() ? core_->StartGenerate(ToProto(request)) : 0;
}

uint64_t Client::ConnectAsync() { return core_->StartConnect(); }

uint64_t Client::OpenSessionAsync(const Character& character, bool upsert, const std::string& player_id,
                                  Status* error) {
  Status s = CheckUtf8(CreateSessionRequest{character.id, player_id});
  if (s.ok()) s = CheckUtf8(character);
  if (error) *error = s;
  return s.ok() ? core_->StartOpenSession(ToProto(character), upsert, player_id) : 0;
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
