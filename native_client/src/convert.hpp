// Protobuf messages <-> the plain structs of the public C++ API, in one place.
#pragma once

#include <string>

#include "npcbridge/types.hpp"
#include "npcbridge/v1/avatar.pb.h"
#include "npcbridge/v1/dialogue.pb.h"
#include "npcbridge/v1/moderation.pb.h"
#include "npcbridge/v1/runtime.pb.h"

namespace npcbridge {

ServerInfo FromProto(const v1::ServerInfo& msg);
Character FromProto(const v1::Character& msg);
Session FromProto(const v1::Session& msg);
CheckResult FromProto(const v1::CheckResult& msg);
Avatar FromProto(const v1::Avatar& msg);
Completed FromProto(const v1::Completed& msg);

v1::Character ToProto(const Character& c);
v1::GenerationParams ToProto(const GenerationParams& p);
v1::GenerateAvatarRequest ToProto(const AvatarRequest& r);

/// The event a DialogueEvent becomes (request id filled in by the caller).
Event ToEvent(const v1::DialogueEvent& msg);
/// The event an AvatarEvent becomes.
Event ToEvent(const v1::AvatarEvent& msg);

/// True when `text` is well-formed UTF-8 (checked before it goes on the wire).
bool IsValidUtf8(const std::string& text);

}  // namespace npcbridge
