#include "json_calls.hpp"

#include <google/protobuf/util/json_util.h>

#include <functional>
#include <map>

#include "convert.hpp"
#include "core.hpp"

namespace npcbridge {

namespace pbu = google::protobuf::util;

std::string ToJson(const google::protobuf::Message& message) {
  pbu::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  (void)pbu::MessageToJsonString(message, &out, options);
  return out;
}

Status FromJson(const std::string& json, google::protobuf::Message* message, bool ignore_unknown) {
  if (!IsValidUtf8(json)) return {StatusCode::InvalidArgument, "request JSON is not valid UTF-8"};
  pbu::JsonParseOptions options;
  options.ignore_unknown_fields = ignore_unknown;
  auto status = pbu::JsonStringToMessage(json.empty() ? "{}" : json, message, options);
  if (!status.ok()) {
    return {StatusCode::InvalidArgument, "bad " + message->GetTypeName() + " JSON: " + std::string(status.message())};
  }
  return {};
}

namespace {

using Handler = std::function<Status(Core&, const std::string&, std::string*, grpc::ClientContext*)>;

template <class Stub, class Req, class Resp>
Handler Make(Stub* (Core::*stub)(), grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*)) {
  return [stub, method](Core& core, const std::string& json, std::string* out, grpc::ClientContext* ctx) {
    Req req;
    if (Status s = FromJson(json, &req); !s.ok()) return s;
    core.Route(ctx, req);
    Resp resp;
    Status s = FromGrpc(((core.*stub)()->*method)(ctx, req, &resp));
    if (s.ok()) core.routes().Learn(resp);
    if (s.ok() && out) *out = ToJson(resp);
    return s;
  };
}

// A client-streaming RPC (Speech.Transcribe) called with one request message: its whole input.
template <class Stub, class Req, class Resp>
Handler MakeClientStream(Stub* (Core::*stub)(),
                         std::unique_ptr<grpc::ClientWriter<Req>> (Stub::*method)(grpc::ClientContext*, Resp*)) {
  return [stub, method](Core& core, const std::string& json, std::string* out, grpc::ClientContext* ctx) {
    Req req;
    if (Status s = FromJson(json, &req); !s.ok()) return s;
    Resp resp;
    auto writer = ((core.*stub)()->*method)(ctx, &resp);
    writer->Write(req);
    writer->WritesDone();
    Status s = FromGrpc(writer->Finish());
    if (s.ok() && out) *out = ToJson(resp);
    return s;
  };
}

const std::map<std::string, Handler>& Table() {
  static const std::map<std::string, Handler> table = {
      {"GetServerInfo", Make(&Core::runtime, &v1::Runtime::Stub::GetServerInfo)},
      {"UpsertCharacter", Make(&Core::dialogue, &v1::Dialogue::Stub::UpsertCharacter)},
      {"GetCharacter", Make(&Core::dialogue, &v1::Dialogue::Stub::GetCharacter)},
      {"ListCharacters", Make(&Core::dialogue, &v1::Dialogue::Stub::ListCharacters)},
      {"DeleteCharacter", Make(&Core::dialogue, &v1::Dialogue::Stub::DeleteCharacter)},
      {"ListAdapters", Make(&Core::dialogue, &v1::Dialogue::Stub::ListAdapters)},
      {"CreateSession", Make(&Core::dialogue, &v1::Dialogue::Stub::CreateSession)},
      {"GetSession", Make(&Core::dialogue, &v1::Dialogue::Stub::GetSession)},
      {"DeleteSession", Make(&Core::dialogue, &v1::Dialogue::Stub::DeleteSession)},
      {"Check", Make(&Core::moderation, &v1::Moderation::Stub::Check)},
      {"CheckBatch", Make(&Core::moderation, &v1::Moderation::Stub::CheckBatch)},
      {"ListAttributes", Make(&Core::avatars, &v1::Avatars::Stub::ListAttributes)},
      {"UpsertDocuments", Make(&Core::knowledge, &v1::Knowledge::Stub::UpsertDocuments)},
      {"DeleteDocuments", Make(&Core::knowledge, &v1::Knowledge::Stub::DeleteDocuments)},
      {"Search", Make(&Core::knowledge, &v1::Knowledge::Stub::Search)},
      {"ListCollections", Make(&Core::knowledge, &v1::Knowledge::Stub::ListCollections)},
      {"ListMemories", Make(&Core::memory, &v1::Memory::Stub::ListMemories)},
      {"AddMemory", Make(&Core::memory, &v1::Memory::Stub::AddMemory)},
      {"DeleteMemory", Make(&Core::memory, &v1::Memory::Stub::DeleteMemory)},
      {"ForgetPlayer", Make(&Core::memory, &v1::Memory::Stub::ForgetPlayer)},
      {"GetRelationship", Make(&Core::memory, &v1::Memory::Stub::GetRelationship)},
      {"SetRelationship", Make(&Core::memory, &v1::Memory::Stub::SetRelationship)},
      {"ListVoices", Make(&Core::speech, &v1::Speech::Stub::ListVoices)},
      {"Transcribe", MakeClientStream(&Core::speech, &v1::Speech::Stub::Transcribe)},
  };
  return table;
}

}  // namespace

std::vector<std::string> JsonMethods() {
  std::vector<std::string> names;
  for (const auto& [name, _] : Table()) names.push_back(name);
  return names;
}

Status CallJson(Core& core, const std::string& method, const std::string& request_json, std::string* response_json,
                grpc::ClientContext* ctx) {
  auto it = Table().find(method);
  if (it == Table().end()) {
    std::string known;
    for (const auto& name : JsonMethods()) known += (known.empty() ? "" : ", ") + name;
    return {StatusCode::InvalidArgument, "unknown method '" + method + "'; known: " + known +
                                             " (Say and GenerateAvatar are streams: npcb_say, npcb_generate_avatar)"};
  }
  return it->second(core, request_json, response_json, ctx);
}

}  // namespace npcbridge
