#include "convert.hpp"

#include "json_calls.hpp"

#include <google/protobuf/stubs/common.h>

namespace npcbridge {

namespace {
template <class Repeated>
std::vector<std::string> Strings(const Repeated& r) {
  return std::vector<std::string>(r.begin(), r.end());
}
}  // namespace

ServerInfo FromProto(const v1::ServerInfo& msg) {
  ServerInfo info;
  info.api_version = msg.api_version();
  info.runtime_version = msg.runtime_version();
  const auto& c = msg.capabilities();
  info.capabilities = {c.dialogue(), c.avatars(), c.moderation(), c.streaming_moderation(),
                       c.auth_required(), c.tls(), c.persistent_sessions(), c.priority()};
  for (const auto& m : msg.models()) {
    info.models.push_back({m.name(), m.kind(), m.device(), m.dtype(), m.backend(), m.context_length()});
  }
  // Limits as a map: a newer host may add limits without breaking this client.
  const auto* desc = msg.limits().GetDescriptor();
  const auto* refl = msg.limits().GetReflection();
  for (int i = 0; i < desc->field_count(); ++i) {
    info.limits[desc->field(i)->name()] = refl->GetInt32(msg.limits(), desc->field(i));
  }
  return info;
}

Character FromProto(const v1::Character& msg) {
  Character c;
  c.id = msg.id();
  c.name = msg.name();
  c.persona = msg.persona();
  c.backstory = msg.backstory();
  c.speaking_style = msg.speaking_style();
  c.greeting = msg.greeting();
  c.safety_policy = msg.safety_policy();
  c.knowledge = Strings(msg.knowledge());
  c.deflections = Strings(msg.deflections());
  return c;
}

Session FromProto(const v1::Session& msg) {
  Session s;
  s.id = msg.id();
  s.character_id = msg.character_id();
  s.player_id = msg.player_id();
  s.created_at_ms = msg.created_at_ms();
  for (const auto& t : msg.turns()) {
    s.turns.push_back({static_cast<Role>(t.role()), t.text(), t.interaction_id(), t.created_at_ms()});
  }
  return s;
}

CheckResult FromProto(const v1::CheckResult& msg) {
  CheckResult r;
  r.flagged = msg.flagged();
  r.action = static_cast<ModerationAction>(msg.action());
  r.flagged_categories = Strings(msg.flagged_categories());
  for (const auto& s : msg.scores()) r.scores[s.category()] = s.score();
  for (const auto& s : msg.spans()) r.spans.push_back({s.start(), s.end(), s.category()});
  r.masked_text = msg.masked_text();
  return r;
}

Avatar FromProto(const v1::Avatar& msg) {
  Avatar a;
  a.id = msg.id();
  a.seed = msg.seed();
  a.latent.assign(msg.latent().begin(), msg.latent().end());
  a.attributes.insert(msg.spec().attributes().begin(), msg.spec().attributes().end());
  a.colors.insert(msg.spec().colors().begin(), msg.spec().colors().end());
  a.morph_targets.insert(msg.spec().morph_targets().begin(), msg.spec().morph_targets().end());
  a.png.assign(msg.png().begin(), msg.png().end());
  a.width = msg.width();
  a.height = msg.height();
  return a;
}

Completed FromProto(const v1::Completed& msg) {
  Completed c;
  c.text = msg.text();
  c.finish_reason = msg.finish_reason();
  c.interaction_id = msg.interaction_id();
  c.prompt_tokens = msg.usage().prompt_tokens();
  c.completion_tokens = msg.usage().completion_tokens();
  c.queue_ms = msg.timings().queue_ms();
  c.ttft_ms = msg.timings().ttft_ms();
  c.total_ms = msg.timings().total_ms();
  c.tokens_per_second = msg.timings().tokens_per_second();
  return c;
}

v1::Character ToProto(const Character& c) {
  v1::Character msg;
  msg.set_id(c.id);
  msg.set_name(c.name);
  msg.set_persona(c.persona);
  msg.set_backstory(c.backstory);
  msg.set_speaking_style(c.speaking_style);
  msg.set_greeting(c.greeting);
  msg.set_safety_policy(c.safety_policy);
  for (const auto& k : c.knowledge) msg.add_knowledge(k);
  for (const auto& d : c.deflections) msg.add_deflections(d);
  return msg;
}

v1::GenerationParams ToProto(const GenerationParams& p) {
  v1::GenerationParams msg;
  msg.set_max_tokens(p.max_tokens);
  if (p.temperature) msg.set_temperature(*p.temperature);
  if (p.top_p) msg.set_top_p(*p.top_p);
  if (p.seed) msg.set_seed(*p.seed);
  return msg;
}

v1::GenerateAvatarRequest ToProto(const AvatarRequest& r) {
  v1::GenerateAvatarRequest msg;
  msg.mutable_attributes()->insert(r.attributes.begin(), r.attributes.end());
  msg.set_description(r.description);
  msg.set_count(r.count);
  if (r.seed) msg.set_seed(*r.seed);
  if (r.truncation) msg.set_truncation(*r.truncation);
  return msg;
}

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
      e.moderation_source = msg.moderation().source();
      e.moderation_action = static_cast<ModerationAction>(msg.moderation().action());
      e.moderation_categories = Strings(msg.moderation().categories());
      e.moderation_message = msg.moderation().message();
      e.text = e.moderation_message;
      break;
    case v1::DialogueEvent::kCompleted:
      e.type = EventType::Completed;
      e.json = ToJson(msg.completed());
      e.completed = FromProto(msg.completed());
      e.text = e.completed.text;
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
    e.progress_completed = msg.progress().completed();
    e.progress_total = msg.progress().total();
    e.text = msg.progress().stage();
  }
  return e;
}

bool IsValidUtf8(const std::string& text) {
  // protobuf's own validator: the same rule the host applies when it parses.
  return google::protobuf::internal::IsStructurallyValidUTF8(text.data(), static_cast<int>(text.size()));
}

}  // namespace npcbridge
