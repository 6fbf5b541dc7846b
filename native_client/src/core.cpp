#include "core.hpp"

#include <chrono>
#include <cstdlib>

#include "convert.hpp"
#include "json_calls.hpp"

namespace npcbridge {

Status FromGrpc(const grpc::Status& status) {
  return {static_cast<StatusCode>(status.error_code()), status.error_message()};
}

namespace {

std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& o) {
  grpc::ChannelArguments args;
  // Reconnection with exponential backoff is gRPC's own; we only bound it.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, o.reconnect_initial_ms);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, o.reconnect_initial_ms);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, o.reconnect_max_ms);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, o.keepalive_ms);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, 64 * 1024 * 1024);
  args.SetString(GRPC_ARG_PRIMARY_USER_AGENT_STRING, o.client_name);
  // gRPC's own retries for unary calls that meet UNAVAILABLE (a replica gone behind a
  // balancer, a host restarting); Say and Generate streams are not retried.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  args.SetServiceConfigJSON(RetryServiceConfig());
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (o.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = o.tls_root_certs;
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  return grpc::CreateCustomChannel(o.address, creds, args);
}

ConnectionState ToState(grpc_connectivity_state s) {
  switch (s) {
    case GRPC_CHANNEL_IDLE: return ConnectionState::Idle;
    case GRPC_CHANNEL_CONNECTING: return ConnectionState::Connecting;
    case GRPC_CHANNEL_READY: return ConnectionState::Ready;
    case GRPC_CHANNEL_TRANSIENT_FAILURE: return ConnectionState::TransientFailure;
    default: return ConnectionState::Shutdown;
  }
}

}  // namespace

Core::Core(ClientOptions options)
    : options_(std::move(options)),
      channel_(MakeChannel(options_)),
      runtime_(v1::Runtime::NewStub(channel_)),
      dialogue_(v1::Dialogue::NewStub(channel_)),
      avatars_(v1::Avatars::NewStub(channel_)),
      moderation_(v1::Moderation::NewStub(channel_)),
      knowledge_(v1::Knowledge::NewStub(channel_)),
      memory_(v1::Memory::NewStub(channel_)),
      speech_(v1::Speech::NewStub(channel_)) {
  watcher_ = std::thread([this] { WatchConnection(); });
}

Core::~Core() {
  stopping_ = true;
  {
    std::lock_guard<std::mutex> lock(streams_mu_);
    for (auto& [id, stream] : streams_) stream->context.TryCancel();
  }
  for (auto& [id, stream] : streams_) {
    if (stream->thread.joinable()) stream->thread.join();
  }
  if (watcher_.joinable()) watcher_.join();
}

void Core::Prepare(grpc::ClientContext* ctx, int32_t timeout_ms) const {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  if (!options_.auth_token.empty()) ctx->AddMetadata("authorization", "Bearer " + options_.auth_token);
}

void Core::Route(grpc::ClientContext* ctx, const google::protobuf::Message& request) const {
  const std::string character = RoutingKey(request, routes_);
  if (!character.empty()) ctx->AddMetadata(kRoutingHeader, character);
}

namespace {
int Major(const std::string& version) { return std::atoi(version.c_str()); }
int Minor(const std::string& version) {
  auto dot = version.find('.');
  return dot == std::string::npos ? 0 : std::atoi(version.c_str() + dot + 1);
}
}  // namespace

Status Core::Handshake(v1::ServerInfo* info, grpc::ClientContext* ctx) {
  v1::GetServerInfoRequest req;
  req.set_client_name(options_.client_name);
  req.set_client_api_version(kClientApiVersion);
  Status s = ctx != nullptr ? FromGrpc(runtime_->GetServerInfo(ctx, req, info))
                            : Call(&v1::Runtime::Stub::GetServerInfo, runtime_.get(), req, info);
  if (s.code == StatusCode::Unavailable || s.code == StatusCode::DeadlineExceeded) {
    return {StatusCode::ConnectionFailed, "cannot reach the NPC Bridge host at " + options_.address + " (" +
                                              s.message + "); is it running (npcbridge serve) and is the address right?"};
  }
  if (!s.ok()) return s;
  const std::string& host = info->api_version();
  const int host_major = Major(host), ours = Major(kClientApiVersion);
  if (host_major != ours) {
    const std::string upgrade = host_major > ours ? "upgrade the NPC Bridge plugin (client)" : "upgrade the host";
    return {StatusCode::FailedPrecondition,
            "API version mismatch: host speaks " + host + ", this client " + kClientApiVersion + "; " + upgrade};
  }
  if (Minor(host) > Minor(kClientApiVersion)) {
    Event e;
    e.type = EventType::VersionWarning;
    e.text = "the host speaks API " + host + ", newer than this client's " + kClientApiVersion +
             "; everything here works, but newer features need a newer plugin";
    Push(std::move(e));
  }
  return {};
}

uint64_t Core::Start(int32_t timeout_ms, const std::function<grpc::Status(Stream&, uint64_t)>& body) {
  ReapFinished();
  const uint64_t id = next_id_++;
  auto stream = std::make_unique<Stream>();
  Prepare(&stream->context, timeout_ms);
  Stream* raw = stream.get();
  std::lock_guard<std::mutex> lock(streams_mu_);
  streams_[id] = std::move(stream);
  raw->thread = std::thread([this, raw, id, body] {
    grpc::Status status = body(*raw, id);
    if (!status.ok()) {
      Event e;
      e.type = EventType::Error;
      e.request_id = id;
      e.status = FromGrpc(status);
      if (status.error_code() == grpc::StatusCode::CANCELLED && e.status.message.empty()) {
        e.status.message = "cancelled by the client";
      }
      e.text = e.status.message;
      Push(std::move(e));
    }
    raw->finished = true;
  });
  return id;
}

namespace {
// Queues every message of a server stream as an event of request `id`.
template <class Msg, class Reader>
void ForwardStream(Core& core, Reader& reader, uint64_t id) {
  Msg msg;
  while (reader->Read(&msg)) {
    Event e = ToEvent(msg);
    e.request_id = id;
    core.Push(std::move(e));
  }
}
}  // namespace

uint64_t Core::StartSay(v1::SayRequest request) {
  return Start(options_.stream_timeout_ms, [this, request](Stream& s, uint64_t id) {
    Route(&s.context, request);
    auto reader = dialogue_->Say(&s.context, request);
    ForwardStream<v1::DialogueEvent>(*this, reader, id);
    grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::UNKNOWN) {
      // The host never answers UNKNOWN: a stream cut with no status is a replica that went
      // away behind a balancer (it ends the stream without gRPC trailers).
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the connection to the host broke mid-reply (the replica serving it went away); "
                          "the turn may not be stored: say the line again");
    }
    return status;
  });
}

uint64_t Core::StartGenerate(v1::GenerateAvatarRequest request) {
  return Start(options_.stream_timeout_ms, [this, request](Stream& s, uint64_t id) {
    auto reader = avatars_->Generate(&s.context, request);
    ForwardStream<v1::AvatarEvent>(*this, reader, id);
    grpc::Status status = reader->Finish();
    if (status.ok()) {
      Event done;
      done.type = EventType::StreamDone;
      done.request_id = id;
      Push(std::move(done));
    }
    return status;
  });
}

uint64_t Core::StartUnary(std::string method, std::string request_json) {
  return Start(options_.timeout_ms, [this, method, request_json](Stream& s, uint64_t id) {
    std::string response;
    Status status = CallJson(*this, method, request_json, &response, &s.context);
    if (!status.ok()) return grpc::Status(static_cast<grpc::StatusCode>(status.code), status.message);
    PushResult(id, std::move(response));
    return grpc::Status::OK;
  });
}

namespace {
grpc::Status ToGrpc(const Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code), status.message);
}
}  // namespace

uint64_t Core::StartConnect() {
  return Start(options_.timeout_ms, [this](Stream& s, uint64_t id) {
    v1::ServerInfo info;
    Status status = Handshake(&info, &s.context);
    if (!status.ok()) return ToGrpc(status);
    PushResult(id, ToJson(info));
    return grpc::Status::OK;
  });
}

uint64_t Core::StartOpenSession(v1::Character character, bool upsert, std::string player_id) {
  return Start(options_.timeout_ms, [this, character, upsert, player_id](Stream& s, uint64_t id) {
    std::string character_id = character.id();
    if (upsert) {
      v1::UpsertCharacterRequest req;
      *req.mutable_character() = character;
      Route(&s.context, req);
      v1::Character stored;
      grpc::Status status = dialogue_->UpsertCharacter(&s.context, req, &stored);
      if (!status.ok()) return status;
      character_id = stored.id();  // an empty id was assigned by the host: the session must use that one
    }
    // One ClientContext per RPC: the session's has the same deadline, and Cancel reaches it.
    grpc::ClientContext session_ctx;
    Prepare(&session_ctx, options_.timeout_ms);
    if (!s.Follow(&session_ctx)) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client");
    v1::CreateSessionRequest req;
    req.set_character_id(character_id);
    req.set_player_id(player_id);
    Route(&session_ctx, req);
    v1::Session session;
    grpc::Status status = dialogue_->CreateSession(&session_ctx, req, &session);
    s.Follow(nullptr);
    if (!status.ok()) return status;
    routes_.Learn(session);
    PushResult(id, ToJson(session));
    return grpc::Status::OK;
  });
}

void Core::PushResult(uint64_t id, std::string json) {
  Event e;
  e.type = EventType::Result;
  e.request_id = id;
  e.json = std::move(json);
  Push(std::move(e));
}

bool Core::Stream::Follow(grpc::ClientContext* ctx) {
  std::lock_guard<std::mutex> lock(mu);
  follow_up = ctx;
  return !cancelled;
}

void Core::Cancel(uint64_t request_id) {
  std::lock_guard<std::mutex> lock(streams_mu_);
  auto it = streams_.find(request_id);
  if (it == streams_.end()) return;
  Stream& stream = *it->second;
  std::lock_guard<std::mutex> stream_lock(stream.mu);
  stream.cancelled = true;
  stream.context.TryCancel();
  if (stream.follow_up != nullptr) stream.follow_up->TryCancel();
}

void Core::ReapFinished() {
  std::lock_guard<std::mutex> lock(streams_mu_);
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (it->second->finished) {
      it->second->thread.join();
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
}

void Core::Push(Event event) {
  {
    std::lock_guard<std::mutex> lock(events_mu_);
    events_.push_back(std::move(event));
  }
  events_cv_.notify_all();
}

size_t Core::Poll(const std::function<void(const Event&)>& handler, size_t max_events) {
  // Take the batch under the lock, run the handler outside it: the handler may
  // call back into the client (e.g. start the next Say) without deadlocking.
  std::deque<Event> batch;
  {
    std::lock_guard<std::mutex> lock(events_mu_);
    if (max_events == 0 || max_events >= events_.size()) {
      batch.swap(events_);
    } else {
      for (size_t i = 0; i < max_events; ++i) {
        batch.push_back(std::move(events_.front()));
        events_.pop_front();
      }
    }
  }
  for (const auto& e : batch) handler(e);
  return batch.size();
}

bool Core::WaitForEvent(int32_t timeout_ms) {
  std::unique_lock<std::mutex> lock(events_mu_);
  return events_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] { return !events_.empty(); });
}

ConnectionState Core::State() const { return static_cast<ConnectionState>(state_.load()); }

void Core::WatchConnection() {
  auto last = ToState(channel_->GetState(false));
  state_ = static_cast<int32_t>(last);
  while (!stopping_) {
    auto deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(100);
    // try_to_connect: an idle or failed channel starts (re)connecting, with backoff.
    grpc_connectivity_state current = channel_->GetState(true);
    channel_->WaitForStateChange(current, deadline);
    auto now = ToState(channel_->GetState(false));
    if (now != last) {
      state_ = static_cast<int32_t>(now);
      Event e;
      e.type = EventType::ConnectionChanged;
      e.connection_state = now;
      Push(std::move(e));
      last = now;
    }
  }
}

}  // namespace npcbridge
