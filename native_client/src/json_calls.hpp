// Unary RPCs by name with JSON in and out (protobuf's canonical JSON mapping,
// field names as in the .proto files): what the C API exposes.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "npcbridge/types.hpp"

namespace google::protobuf {
class Message;
}

namespace npcbridge {

class Core;

/// Calls `method` ("UpsertCharacter", "Check", ...) on `ctx` (deadline and
/// metadata already set). Unknown methods and bad JSON are InvalidArgument.
Status CallJson(Core& core, const std::string& method, const std::string& request_json, std::string* response_json,
                grpc::ClientContext* ctx);

/// The unary methods CallJson knows.
std::vector<std::string> JsonMethods();

/// A message as JSON with the .proto field names (empty fields included).
std::string ToJson(const google::protobuf::Message& message);
/// Parses JSON into `message`; unknown fields are an error naming them.
Status FromJson(const std::string& json, google::protobuf::Message* message, bool ignore_unknown = false);

}  // namespace npcbridge
