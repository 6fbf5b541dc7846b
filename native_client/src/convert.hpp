// Protobuf stream events -> client events. The message conversions themselves are
// generated (contract_convert.hpp).
#pragma once

#include <string>

#include "contract_convert.hpp"
#include "npcbridge/types.hpp"

namespace npcbridge {

/// The event a DialogueEvent becomes (request id filled in by the caller).
Event ToEvent(const v1::DialogueEvent& msg);
/// The event an AvatarEvent becomes.
Event ToEvent(const v1::AvatarEvent& msg);

/// True when `text` is well-formed UTF-8 (checked before it goes on the wire).
bool IsValidUtf8(const std::string& text);

}  // namespace npcbridge
