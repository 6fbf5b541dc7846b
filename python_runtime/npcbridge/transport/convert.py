"""Proto <-> domain conversion, kept at the edge."""

from __future__ import annotations

from npcbridge._proto.v1 import dialogue_pb2 as dpb
from npcbridge._proto.v1 import runtime_pb2 as rpb
from npcbridge.app import ServerInfo
from npcbridge.dialogue import types as dt
from npcbridge.transport.speech_convert import audio_to_pb, viseme_to_pb, voice_from_pb, voice_to_pb

_ROLE_TO_PB = {dt.Role.PLAYER: dpb.ROLE_PLAYER, dt.Role.CHARACTER: dpb.ROLE_CHARACTER}


def character_from_pb(msg: dpb.Character) -> dt.Character:
    return dt.Character(
        id=msg.id, name=msg.name, persona=msg.persona, backstory=msg.backstory,
        speaking_style=msg.speaking_style, knowledge=list(msg.knowledge), greeting=msg.greeting,
        safety_policy=msg.safety_policy, deflections=list(msg.deflections),
        actions=[dt.ActionSpec(a.name, a.description, a.parameters_schema, list(a.examples)) for a in msg.actions],
        emotions=list(msg.emotions), knowledge_collections=list(msg.knowledge_collections), adapter=msg.adapter,
        voice=voice_from_pb(msg.voice),
    )


def character_to_pb(c: dt.Character) -> dpb.Character:
    return dpb.Character(
        id=c.id, name=c.name, persona=c.persona, backstory=c.backstory, speaking_style=c.speaking_style,
        knowledge=c.knowledge, greeting=c.greeting, safety_policy=c.safety_policy, deflections=c.deflections,
        actions=[dpb.ActionSpec(name=a.name, description=a.description, parameters_schema=a.parameters_schema,
                                examples=a.examples) for a in c.actions],
        emotions=c.emotions, knowledge_collections=c.knowledge_collections, adapter=c.adapter,
        voice=voice_to_pb(c.voice),
    )


def emotion_to_pb(e: dt.Emotion | None) -> dpb.Emotion | None:
    return dpb.Emotion(label=e.label, intensity=e.intensity) if e is not None else None


def action_call_to_pb(a: dt.ActionCall) -> dpb.ActionCall:
    return dpb.ActionCall(id=a.id, name=a.name, arguments_json=a.arguments_json)


def game_event_from_pb(msg: dpb.GameEvent) -> dt.GameEvent:
    return dt.GameEvent(msg.name, msg.description, dict(msg.params))


def game_event_to_pb(e: dt.GameEvent | None) -> dpb.GameEvent | None:
    return dpb.GameEvent(name=e.name, description=e.description, params=e.params) if e is not None else None


def session_to_pb(s: dt.Session) -> dpb.Session:
    return dpb.Session(
        id=s.id, character_id=s.character_id, player_id=s.player_id, created_at_ms=s.created_at_ms,
        turns=[dpb.Turn(role=_ROLE_TO_PB[t.role], text=t.text, interaction_id=t.interaction_id,
                        created_at_ms=t.created_at_ms, emotion=emotion_to_pb(t.emotion),
                        actions=[action_call_to_pb(a) for a in t.actions], event=game_event_to_pb(t.event))
               for t in s.turns],
    )


def say_options_from_pb(request: dpb.SayRequest) -> dt.SayOptions:
    params = request.params
    return dt.SayOptions(
        priority=request.priority,
        max_tokens=params.max_tokens,
        temperature=params.temperature if params.HasField("temperature") else None,
        top_p=params.top_p if params.HasField("top_p") else None,
        seed=params.seed if params.HasField("seed") else None,
        context=dict(request.context),
        # An empty event is no event: clients that write every field send one.
        event=game_event_from_pb(request.event) if request.event.ByteSize() else None,
        allowed_actions=list(request.allowed_actions),
        audio=request.audio,
    )


def event_to_pb(event: dt.DialogueEvent) -> dpb.DialogueEvent:
    if isinstance(event, dt.TextDelta):
        return dpb.DialogueEvent(text_delta=dpb.TextDelta(text=event.text))
    if isinstance(event, dt.AudioChunk):
        return dpb.DialogueEvent(audio=audio_to_pb(event))
    if isinstance(event, dt.Viseme):
        return dpb.DialogueEvent(viseme=viseme_to_pb(event))
    if isinstance(event, dt.Started):
        return dpb.DialogueEvent(started=dpb.Started(
            interaction_id=event.interaction_id, session_id=event.session_id, model=event.model))
    if isinstance(event, dt.ModerationNotice):
        from npcbridge._proto.v1 import moderation_pb2 as mpb

        return dpb.DialogueEvent(moderation=dpb.ModerationNotice(
            source=event.source, action=mpb.Action.Value(event.action.upper()),
            categories=event.categories, message=event.message))
    if isinstance(event, dt.Emotion):
        return dpb.DialogueEvent(emotion=emotion_to_pb(event))
    if isinstance(event, dt.ActionCall):
        return dpb.DialogueEvent(action=action_call_to_pb(event))
    u, t = event.usage, event.timings
    return dpb.DialogueEvent(completed=dpb.Completed(
        text=event.text, finish_reason=event.finish_reason, interaction_id=event.interaction_id,
        usage=dpb.Usage(prompt_tokens=u.prompt_tokens, completion_tokens=u.completion_tokens),
        timings=dpb.Timings(queue_ms=t.queue_ms, ttft_ms=t.ttft_ms, total_ms=t.total_ms,
                            tokens_per_second=t.tokens_per_second),
        actions=[action_call_to_pb(a) for a in event.actions], emotion=emotion_to_pb(event.emotion),
    ))


def server_info_to_pb(info: ServerInfo) -> rpb.ServerInfo:
    return rpb.ServerInfo(
        api_version=info.api_version, runtime_version=info.runtime_version,
        capabilities=rpb.Capabilities(**info.capabilities),
        models=[rpb.ModelInfo(**m) for m in info.models],
        limits=rpb.Limits(**info.limits),
    )
