"""Proto <-> domain conversion, kept at the edge."""

from __future__ import annotations

from npcbridge._proto.v1 import dialogue_pb2 as dpb
from npcbridge._proto.v1 import runtime_pb2 as rpb
from npcbridge.app import ServerInfo
from npcbridge.dialogue import types as dt

_ROLE_TO_PB = {dt.Role.PLAYER: dpb.ROLE_PLAYER, dt.Role.CHARACTER: dpb.ROLE_CHARACTER}


def character_from_pb(msg: dpb.Character) -> dt.Character:
    return dt.Character(
        id=msg.id, name=msg.name, persona=msg.persona, backstory=msg.backstory,
        speaking_style=msg.speaking_style, knowledge=list(msg.knowledge), greeting=msg.greeting,
        safety_policy=msg.safety_policy, deflections=list(msg.deflections),
    )


def character_to_pb(c: dt.Character) -> dpb.Character:
    return dpb.Character(
        id=c.id, name=c.name, persona=c.persona, backstory=c.backstory, speaking_style=c.speaking_style,
        knowledge=c.knowledge, greeting=c.greeting, safety_policy=c.safety_policy, deflections=c.deflections,
    )


def session_to_pb(s: dt.Session) -> dpb.Session:
    return dpb.Session(
        id=s.id, character_id=s.character_id, player_id=s.player_id, created_at_ms=s.created_at_ms,
        turns=[dpb.Turn(role=_ROLE_TO_PB[t.role], text=t.text, interaction_id=t.interaction_id,
                        created_at_ms=t.created_at_ms) for t in s.turns],
    )


def say_options_from_pb(params: dpb.GenerationParams, priority: int = 0) -> dt.SayOptions:
    return dt.SayOptions(
        priority=priority,
        max_tokens=params.max_tokens,
        temperature=params.temperature if params.HasField("temperature") else None,
        top_p=params.top_p if params.HasField("top_p") else None,
        seed=params.seed if params.HasField("seed") else None,
    )


def event_to_pb(event: dt.DialogueEvent) -> dpb.DialogueEvent:
    if isinstance(event, dt.TextDelta):
        return dpb.DialogueEvent(text_delta=dpb.TextDelta(text=event.text))
    if isinstance(event, dt.Started):
        return dpb.DialogueEvent(started=dpb.Started(
            interaction_id=event.interaction_id, session_id=event.session_id, model=event.model))
    if isinstance(event, dt.ModerationNotice):
        from npcbridge._proto.v1 import moderation_pb2 as mpb

        return dpb.DialogueEvent(moderation=dpb.ModerationNotice(
            source=event.source, action=mpb.Action.Value(event.action.upper()),
            categories=event.categories, message=event.message))
    u, t = event.usage, event.timings
    return dpb.DialogueEvent(completed=dpb.Completed(
        text=event.text, finish_reason=event.finish_reason, interaction_id=event.interaction_id,
        usage=dpb.Usage(prompt_tokens=u.prompt_tokens, completion_tokens=u.completion_tokens),
        timings=dpb.Timings(queue_ms=t.queue_ms, ttft_ms=t.ttft_ms, total_ms=t.total_ms,
                            tokens_per_second=t.tokens_per_second),
    ))


def server_info_to_pb(info: ServerInfo) -> rpb.ServerInfo:
    return rpb.ServerInfo(
        api_version=info.api_version, runtime_version=info.runtime_version,
        capabilities=rpb.Capabilities(**info.capabilities),
        models=[rpb.ModelInfo(**m) for m in info.models],
        limits=rpb.Limits(**info.limits),
    )
