// The C API over the C++ core: handles, JSON, result codes, per-thread errors.
#include "npcbridge/npcbridge.h"

#include <google/protobuf/struct.pb.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "convert.hpp"
#include "core.hpp"
#include "json_calls.hpp"
#include "npcbridge/client.hpp"
#include "npcbridge/contract_json.hpp"

struct npcb_client {
  explicit npcb_client(npcbridge::ClientOptions options) : client(std::move(options)) {}
  npcbridge::Client client;
};

namespace {

using npcbridge::Status;
using npcbridge::StatusCode;

thread_local std::string g_last_error;

npcb_result Fail(StatusCode code, const std::string& message) {
  g_last_error = message;
  return static_cast<npcb_result>(code);
}

npcb_result Done(const Status& status) {
  g_last_error = status.message;
  return static_cast<npcb_result>(status.code);
}

char* Dup(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out != nullptr) std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

Status ParseOptions(const char* json, npcbridge::ClientOptions* o) {
  if (json == nullptr || *json == '\0') return {};
  google::protobuf::Struct doc;
  if (Status s = npcbridge::FromJson(json, &doc); !s.ok()) return s;
  for (const auto& [key, value] : doc.fields()) {
    auto str = [&](std::string* dst) { *dst = value.string_value(); };
    auto num = [&](int32_t* dst) { *dst = static_cast<int32_t>(value.number_value()); };
    if (key == "address") str(&o->address);
    else if (key == "auth_token") str(&o->auth_token);
    else if (key == "tls") o->tls = value.bool_value();
    else if (key == "tls_root_certs") str(&o->tls_root_certs);
    else if (key == "client_name") str(&o->client_name);
    else if (key == "timeout_ms") num(&o->timeout_ms);
    else if (key == "stream_timeout_ms") num(&o->stream_timeout_ms);
    else if (key == "reconnect_initial_ms") num(&o->reconnect_initial_ms);
    else if (key == "reconnect_max_ms") num(&o->reconnect_max_ms);
    else if (key == "keepalive_ms") num(&o->keepalive_ms);
    else return {StatusCode::InvalidArgument, "unknown client option '" + key + "'"};
  }
  if (o->timeout_ms <= 0 || o->stream_timeout_ms <= 0) {
    return {StatusCode::InvalidArgument, "timeout_ms and stream_timeout_ms must be positive"};
  }
  return {};
}

#define NPCB_REQUIRE(cond, what) \
  if (!(cond)) return Fail(StatusCode::InvalidArgument, std::string(what) + " is NULL")

}  // namespace

extern "C" {

npcb_result npcb_client_create(const char* options_json, npcb_client** out_client) {
  NPCB_REQUIRE(out_client, "out_client");
  *out_client = nullptr;
  npcbridge::ClientOptions options;
  if (Status s = ParseOptions(options_json, &options); !s.ok()) return Done(s);
  *out_client = new (std::nothrow) npcb_client(std::move(options));
  return *out_client ? NPCB_OK : Fail(StatusCode::ResourceExhausted, "out of memory");
}

void npcb_client_destroy(npcb_client* client) { delete client; }

npcb_result npcb_connect(npcb_client* client, char** out_server_info_json) {
  NPCB_REQUIRE(client, "client");
  npcbridge::v1::ServerInfo info;
  Status s = client->client.core().Handshake(&info);  // one round trip: checked and returned
  if (out_server_info_json != nullptr) *out_server_info_json = s.ok() ? Dup(npcbridge::ToJson(info)) : nullptr;
  return Done(s);
}

npcb_result npcb_call(npcb_client* client, const char* method, const char* request_json, char** out_response_json) {
  NPCB_REQUIRE(client, "client");
  NPCB_REQUIRE(method, "method");
  if (out_response_json != nullptr) *out_response_json = nullptr;
  grpc::ClientContext ctx;
  client->client.core().Prepare(&ctx, client->client.options().timeout_ms);
  std::string response;
  Status s = npcbridge::CallJson(client->client.core(), method, request_json ? request_json : "{}", &response, &ctx);
  if (s.ok() && out_response_json != nullptr) *out_response_json = Dup(response);
  return Done(s);
}

npcb_result npcb_call_async(npcb_client* client, const char* method, const char* request_json,
                            uint64_t* out_request_id) {
  NPCB_REQUIRE(client, "client");
  NPCB_REQUIRE(method, "method");
  NPCB_REQUIRE(out_request_id, "out_request_id");
  *out_request_id = client->client.CallAsync(method, request_json ? request_json : "{}");
  return Done({});
}

namespace {

bool HasField(const google::protobuf::Descriptor& descriptor, const std::string& key) {
  for (int i = 0; i < descriptor.field_count(); ++i) {  // protobuf 3.21 has no FindFieldByJsonName
    if (descriptor.field(i)->name() == key || descriptor.field(i)->json_name() == key) return true;
  }
  return false;
}

// params_json is GenerationParams plus "priority" and "audio" (which live on SayRequest):
// every other key must be a GenerationParams field, so typos still fail.
Status ParseSayParams(const char* json, npcbridge::v1::GenerationParams* params, int32_t* priority, bool* audio) {
  google::protobuf::Struct doc;
  if (Status s = npcbridge::FromJson(json, &doc); !s.ok()) return s;
  const auto* descriptor = npcbridge::v1::GenerationParams::descriptor();
  for (const auto& [key, value] : doc.fields()) {
    if (key == "priority") {
      double v = value.number_value();
      if (value.kind_case() != google::protobuf::Value::kNumberValue || v != static_cast<int32_t>(v)) {
        return {StatusCode::InvalidArgument, "params \"priority\" must be a 32-bit integer"};
      }
      *priority = static_cast<int32_t>(v);
    } else if (key == "audio") {
      if (value.kind_case() != google::protobuf::Value::kBoolValue) {
        return {StatusCode::InvalidArgument, "params \"audio\" must be true or false"};
      }
      *audio = value.bool_value();
    } else if (!HasField(*descriptor, key)) {
      return {StatusCode::InvalidArgument,
              "params has no field \"" + key + "\" (GenerationParams, priority or audio)"};
    }
  }
  return npcbridge::FromJson(json, params, /*ignore_unknown=*/true);
}

}  // namespace

npcb_result npcb_say(npcb_client* client, const char* session_id, const char* text, const char* params_json,
                     uint64_t* out_request_id) {
  NPCB_REQUIRE(client, "client");
  NPCB_REQUIRE(session_id, "session_id");
  NPCB_REQUIRE(text, "text");
  NPCB_REQUIRE(out_request_id, "out_request_id");
  *out_request_id = 0;
  npcbridge::v1::GenerationParams params;
  npcbridge::SayRequest request;
  request.session_id = session_id;
  request.text = text;
  if (params_json != nullptr) {
    if (Status s = ParseSayParams(params_json, &params, &request.priority, &request.audio); !s.ok()) return Done(s);
  }
  request.params = npcbridge::FromProto(params);
  Status s;
  *out_request_id = client->client.Say(request, &s);
  return Done(s);
}

npcb_result npcb_generate_avatar(npcb_client* client, const char* request_json, uint64_t* out_request_id) {
  NPCB_REQUIRE(client, "client");
  NPCB_REQUIRE(out_request_id, "out_request_id");
  *out_request_id = 0;
  npcbridge::GenerateAvatarRequest request;
  if (Status s = npcbridge::FromJson(request_json ? request_json : "{}", &request); !s.ok()) return Done(s);
  Status s;
  *out_request_id = client->client.GenerateAvatar(request, &s);
  return Done(s);
}

npcb_result npcb_cancel(npcb_client* client, uint64_t request_id) {
  NPCB_REQUIRE(client, "client");
  client->client.Cancel(request_id);
  return Done({});
}

int32_t npcb_poll(npcb_client* client, npcb_event_callback callback, void* user_data, int32_t max_events) {
  if (client == nullptr || callback == nullptr || max_events < 0) {
    Fail(StatusCode::InvalidArgument, "client and callback must not be NULL; max_events must be >= 0");
    return -1;
  }
  return static_cast<int32_t>(client->client.Poll(
      [&](const npcbridge::Event& e) {
        npcb_event out{};
        out.type = static_cast<int32_t>(e.type);
        out.code = static_cast<int32_t>(e.status.code);
        out.request_id = e.request_id;
        out.text = e.text.c_str();
        out.json = e.json.c_str();
        const auto& bytes = e.type == npcbridge::EventType::Audio ? e.audio.pcm16 : e.avatar.png;
        out.data = bytes.empty() ? nullptr : bytes.data();
        out.data_len = static_cast<int32_t>(bytes.size());
        out.connection_state = static_cast<int32_t>(e.connection_state);
        out.progress_completed = e.progress.completed;
        out.progress_total = e.progress.total;
        callback(&out, user_data);
      },
      static_cast<size_t>(max_events)));
}

int32_t npcb_wait_for_event(npcb_client* client, int32_t timeout_ms) {
  if (client == nullptr) return 0;
  return client->client.WaitForEvent(timeout_ms) ? 1 : 0;
}

int32_t npcb_get_connection_state(npcb_client* client) {
  if (client == nullptr) return NPCB_SHUTDOWN;
  return static_cast<int32_t>(client->client.GetConnectionState());
}

void npcb_free_string(char* s) { std::free(s); }

const char* npcb_last_error(void) { return g_last_error.c_str(); }

const char* npcb_result_name(int32_t result) {
  return npcbridge::StatusCodeName(static_cast<npcbridge::StatusCode>(result));
}

const char* npcb_api_version(void) { return npcbridge::kClientApiVersion; }

}  // extern "C"
