// The client core: one channel, the generated stubs, the event queue, the
// streams in flight and the connection watcher. Works on protobuf messages;
// client.cpp (plain structs) and c_api.cpp (JSON + handles) sit on top.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "npcbridge/types.hpp"
#include "routing.hpp"
#include "npcbridge/v1/avatar.grpc.pb.h"
#include "npcbridge/v1/dialogue.grpc.pb.h"
#include "npcbridge/v1/knowledge.grpc.pb.h"
#include "npcbridge/v1/memory.grpc.pb.h"
#include "npcbridge/v1/speech.grpc.pb.h"
#include "npcbridge/v1/moderation.grpc.pb.h"
#include "npcbridge/v1/runtime.grpc.pb.h"

namespace npcbridge {

Status FromGrpc(const grpc::Status& status);

class Core {
 public:
  explicit Core(ClientOptions options);
  ~Core();

  const ClientOptions& options() const { return options_; }

  /// A unary call with the configured deadline, auth and routing metadata.
  template <class Stub, class Req, class Resp>
  Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), Stub* stub,
              const Req& request, Resp* response) {
    grpc::ClientContext ctx;
    Prepare(&ctx, options_.timeout_ms);
    Route(&ctx, request);
    Status status = FromGrpc((stub->*method)(&ctx, request, response));
    if (status.ok()) routes_.Learn(*response);
    return status;
  }

  /// Adds the balancer's routing header for the character `request` concerns.
  void Route(grpc::ClientContext* ctx, const google::protobuf::Message& request) const;
  SessionRoutes& routes() { return routes_; }

  /// GetServerInfo plus the version check: ConnectionFailed when no host answers,
  /// FailedPrecondition on a different major (naming the side to upgrade), a
  /// VersionWarning event for a newer host minor.
  Status Handshake(v1::ServerInfo* info, grpc::ClientContext* ctx = nullptr);

  /// Streams run on their own thread and queue their events; ids are > 0.
  uint64_t StartSay(v1::SayRequest request);
  uint64_t StartGenerate(v1::GenerateAvatarRequest request);
  /// A unary call by name (see json_calls.hpp), cancellable; its Result or Error event carries the answer.
  uint64_t StartUnary(std::string method, std::string request_json);
  /// The handshake, cancellable; its Result event carries the ServerInfo JSON.
  uint64_t StartConnect();
  /// Upsert `character` (when `upsert`), then open a session with the id the host
  /// stored it under; its Result event carries the Session JSON.
  uint64_t StartOpenSession(v1::Character character, bool upsert, std::string player_id);
  void Cancel(uint64_t request_id);

  /// Deadline (ms from now) and auth metadata for a call made outside the core.
  void Prepare(grpc::ClientContext* ctx, int32_t timeout_ms) const;

  void Push(Event event);
  size_t Poll(const std::function<void(const Event&)>& handler, size_t max_events);
  bool WaitForEvent(int32_t timeout_ms);
  ConnectionState State() const;

  v1::Runtime::Stub* runtime() { return runtime_.get(); }
  v1::Dialogue::Stub* dialogue() { return dialogue_.get(); }
  v1::Avatars::Stub* avatars() { return avatars_.get(); }
  v1::Moderation::Stub* moderation() { return moderation_.get(); }
  v1::Knowledge::Stub* knowledge() { return knowledge_.get(); }
  v1::Memory::Stub* memory() { return memory_.get(); }
  v1::Speech::Stub* speech() { return speech_.get(); }

 private:
  struct Stream {
    grpc::ClientContext context;
    std::thread thread;
    std::atomic<bool> finished{false};
    // A call made of two RPCs (open session) needs a second context: Cancel reaches it too.
    std::mutex mu;
    bool cancelled = false;
    grpc::ClientContext* follow_up = nullptr;
    /// Registers `ctx` for the next RPC; false when the call was cancelled already.
    bool Follow(grpc::ClientContext* ctx);
  };

  uint64_t Start(int32_t timeout_ms, const std::function<grpc::Status(Stream&, uint64_t)>& body);
  /// Queues the Result event of an async call.
  void PushResult(uint64_t id, std::string json);
  void ReapFinished();
  void WatchConnection();

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Runtime::Stub> runtime_;
  std::unique_ptr<v1::Dialogue::Stub> dialogue_;
  std::unique_ptr<v1::Avatars::Stub> avatars_;
  std::unique_ptr<v1::Moderation::Stub> moderation_;
  std::unique_ptr<v1::Knowledge::Stub> knowledge_;
  std::unique_ptr<v1::Memory::Stub> memory_;
  std::unique_ptr<v1::Speech::Stub> speech_;

  std::mutex streams_mu_;
  std::map<uint64_t, std::unique_ptr<Stream>> streams_;
  std::atomic<uint64_t> next_id_{1};

  mutable std::mutex events_mu_;
  std::condition_variable events_cv_;
  std::deque<Event> events_;

  SessionRoutes routes_;
  std::atomic<bool> stopping_{false};
  std::atomic<int32_t> state_{0};
  std::thread watcher_;
};

}  // namespace npcbridge
