#include "convert.hpp"

#include <google/protobuf/stubs/common.h>

#include "json_calls.hpp"

namespace npcbridge {

Event ToEvent(const v1::DialogueEvent& msg) {
  Event e;
  switch (msg.event_case()) {
    case v1::DialogueEvent::kStarted:
      e.type = EventType::Started;
      e.text = msg.started().interaction_id();
      break;
    case v1::DialogueEvent::kTextDelta:
      e.type = EventType::TextDelta;
      e.text = msg.text_delta().text();
      break;
    case v1::DialogueEvent::kModeration:
      e.type = EventType::Moderation;
      e.json = ToJson(msg.moderation());
      e.moderation = FromProto(msg.moderation());
      e.text = e.moderation.message;
      break;
    case v1::DialogueEvent::kCompleted:
      e.type = EventType::Completed;
      e.json = ToJson(msg.completed());
      e.completed = FromProto(msg.completed());
      e.text = e.completed.text;
      break;
    case v1::DialogueEvent::kEmotion:
      e.type = EventType::Emotion;
      e.json = ToJson(msg.emotion());
      e.emotion = FromProto(msg.emotion());
      e.text = e.emotion.label;
      break;
    case v1::DialogueEvent::kAction:
      e.type = EventType::Action;
      e.json = ToJson(msg.action());
      e.action = FromProto(msg.action());
      e.text = e.action.name;
      break;
    case v1::DialogueEvent::kAudio: {
      e.type = EventType::Audio;
      e.audio = FromProto(msg.audio());
      v1::AudioChunk without_pcm = msg.audio();
      without_pcm.clear_pcm16();  // the samples travel as bytes (audio.pcm16), not base64 in JSON
      e.json = ToJson(without_pcm);
      break;
    }
    case v1::DialogueEvent::kViseme:
      e.type = EventType::Viseme;
      e.json = ToJson(msg.viseme());
      e.viseme = FromProto(msg.viseme());
      e.text = e.viseme.name;
      break;
    default:
      e.type = EventType::Error;
      e.status = {StatusCode::Unknown, "the host sent an event this client does not know; upgrade the client"};
  }
  return e;
}

Event ToEvent(const v1::AvatarEvent& msg) {
  Event e;
  if (msg.has_avatar()) {
    e.type = EventType::Avatar;
    e.avatar = FromProto(msg.avatar());
    v1::Avatar without_png = msg.avatar();
    without_png.clear_png();  // the PNG travels as bytes (avatar.png), not base64 in JSON
    e.json = ToJson(without_png);
  } else {
    e.type = EventType::AvatarProgress;
    e.progress = FromProto(msg.progress());
    e.text = e.progress.stage;
  }
  return e;
}

bool IsValidUtf8(const std::string& text) {
  // protobuf's own validator: the same rule the host applies when it parses.
  return google::protobuf::internal::IsStructurallyValidUTF8(text.data(), static_cast<int>(text.size()));
}

}  // namespace npcbridge
