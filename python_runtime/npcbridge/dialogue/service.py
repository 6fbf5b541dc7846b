"""The dialogue domain service: characters, sessions and the Say flow."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import aclosing

from npcbridge import metrics
from npcbridge.dialogue.prompt import (
    build_messages,
    context_note,
    deflection,
    fixed_messages,
    lore_note,
    memory_note,
    player_line,
)
from npcbridge.dialogue.reply_events import ReplyEvents
from npcbridge.dialogue.reply_timing import reply_timings, with_end
from npcbridge.dialogue.reply_format import ParsedCall, ParsedText, ReplyParser
from npcbridge.dialogue.reply_grammar import speech_grammar, tail_grammar, tail_tokens
from npcbridge.dialogue.input_gate import moderate_player_text
from npcbridge.dialogue.spoken_reply import spoken_reply
from npcbridge.dialogue.turn_plan import TurnPlan, plan_turn
from npcbridge.dialogue.types import (
    ActionSpec,
    Character,
    Completed,
    DialogueEvent,
    Emotion,
    ModerationNotice,
    Role,
    SamplingParams,
    SayOptions,
    Session,
    Started,
    TextDelta,
    Turn,
    Usage,
    new_id,
)
from npcbridge.dialogue.validation import (
    DialogueLimits,
    check_actions,
    check_character,
    check_id,
    check_player_text,
    check_turn_inputs,
    resolve_sampling,
)
from npcbridge.dialogue.intent import IntentScorer
from npcbridge.engine.interface import ChatMessage, Engine, GenerationRequest, PromptTokens
from npcbridge.knowledge.service import KnowledgeService
from npcbridge.memory.service import MemoryService
from npcbridge.models.adapters import AdapterFolder, AdapterInfo, adapter_path
from npcbridge.errors import FailedPrecondition, InvalidArgument, NotFound, ResourceExhausted, Unavailable
from npcbridge.moderation.service import ModerationService
from npcbridge.moderation.stream_filter import FilterVerdict, merge_verdicts
from npcbridge.speech.service import SpeechService
from npcbridge.speech.voices import TtsBackend
from npcbridge.store.base import SessionStore

log = logging.getLogger(__name__)

MIN_PLAYER_TOKENS = 64  # room a character's prompt must leave for the player's line


class DialogueService:
    """Everything the Dialogue RPCs do, with plain data in and out."""

    def __init__(self, store: SessionStore, engine: Engine, limits: DialogueLimits | None = None,
                 moderation: ModerationService | None = None, intent: IntentScorer | None = None,
                 knowledge: KnowledgeService | None = None, memory: MemoryService | None = None,
                 adapters: AdapterFolder | None = None, speech: SpeechService | None = None) -> None:
        self.store = store
        self.engine = engine
        self.limits = limits or DialogueLimits()
        self.moderation = moderation
        self.intent = intent  # picks emotions and actions; None: the model picks actions itself
        self.knowledge = knowledge  # lore retrieved into prompts of characters with knowledge_collections
        self.memory = memory  # what each NPC remembers of each player
        self.adapters = adapters  # where Character.adapter names are found; None: no adapters
        self.speech = speech  # voices for spoken replies (SayRequest.audio); None: audio is refused
        self._active: set[str] = set()
        self._reply_seconds = 2.0  # moving average of a Say's duration, for retry hints
        self._idle = asyncio.Event()
        self._idle.set()
        self._shutting_down = False

    def load_intent(self) -> None:
        """Load the sentence encoder that picks emotions and actions (blocking; once).
        Without it (the encoder wheel missing) the model picks actions and emotions stay neutral."""
        if self.intent is not None:
            return
        from npcbridge.dialogue.intent import ActionHead
        from npcbridge.errors import ModelLoadError
        from npcbridge.moderation.service import shared_encoder

        try:
            self.intent = IntentScorer(shared_encoder("cpu"), head=ActionHead.load())
        except ModelLoadError as exc:
            log.warning("emotions and actions are not planned: %s", exc)

    # Characters -----------------------------------------------------------------

    def context_limit(self) -> int:
        """Prompt + reply tokens a turn may use: the host's limit within the model's context."""
        return min(self.limits.max_context_tokens, self.engine.info.context_length or 1 << 30)

    def prompt_budget(self, max_tokens: int) -> int:
        """Prompt tokens left when the reply may take ``max_tokens``."""
        return max(1, self.context_limit() - max_tokens)

    def _check_prompt_fits(self, character: Character) -> None:
        # Refuse at upsert what would fail at every Say: a character prompt with no room
        # left for a player line and a reply of the default length.
        try:
            fixed = self.engine.count_tokens(fixed_messages(character))
        except Unavailable:
            return  # the tokenizer is still loading: Say checks it then
        budget = self.prompt_budget(self.limits.default_max_tokens) - MIN_PLAYER_TOKENS
        if fixed > budget:
            raise InvalidArgument(
                f"the character's prompt (persona, backstory, speaking style, knowledge, greeting) takes {fixed} "
                f"tokens; a turn may use {self.context_limit()} (max_context_tokens, within the model's context), "
                f"of which {self.limits.default_max_tokens} are for the reply and {MIN_PLAYER_TOKENS} for the "
                f"player's line, leaving {budget}: shorten it by {fixed - budget} tokens or more, or raise "
                "max_context_tokens")

    async def upsert_character(self, character: Character) -> Character:
        """Create or replace; an empty id is assigned. Refuses a character whose prompt
        cannot fit the context with a reply."""
        check_character(character)
        check_actions(character, self.limits)
        self._check_prompt_fits(character)
        adapter_path(self.adapters, character.adapter)  # NOT_FOUND now, not at its first Say
        if not character.id:
            character.id = new_id("chr")
        await asyncio.to_thread(self.store.upsert_character, character)
        return character

    async def get_character(self, character_id: str) -> Character:
        check_id(character_id, "character id")
        found = await asyncio.to_thread(self.store.get_character, character_id)
        if found is None:
            raise NotFound(f"character {character_id!r} does not exist; create it with UpsertCharacter")
        return found

    def list_adapters(self) -> list[AdapterInfo]:
        """The adapters characters may name, and which the engine holds in memory now."""
        loaded = getattr(self.engine, "loaded_adapters", set)()
        return self.adapters.listing(loaded) if self.adapters is not None else []

    async def list_characters(self) -> list[Character]:
        return await asyncio.to_thread(self.store.list_characters)

    async def delete_character(self, character_id: str) -> None:
        check_id(character_id, "character id")
        if not await asyncio.to_thread(self.store.delete_character, character_id):
            raise NotFound(f"character {character_id!r} does not exist")

    # Sessions -------------------------------------------------------------------

    async def create_session(self, character_id: str, player_id: str) -> Session:
        """Start a conversation between a player and an existing character."""
        await self.get_character(character_id)
        if len(player_id) > 256:
            raise InvalidArgument(f"player_id is {len(player_id)} characters; at most 256")
        session = Session(id=new_id("ses"), character_id=character_id, player_id=player_id)
        await asyncio.to_thread(self.store.create_session, session)
        return session

    async def get_session(self, session_id: str) -> Session:
        check_id(session_id, "session id")
        found = await asyncio.to_thread(self.store.get_session, session_id)
        if found is None:
            raise NotFound(f"session {session_id!r} does not exist; create one with CreateSession")
        return found

    async def delete_session(self, session_id: str) -> None:
        check_id(session_id, "session id")
        if not await asyncio.to_thread(self.store.delete_session, session_id):
            raise NotFound(f"session {session_id!r} does not exist")

    # Say ------------------------------------------------------------------------

    async def say(self, session_id: str, text: str, options: SayOptions | None = None) -> AsyncIterator[DialogueEvent]:
        """Stream a reply: Started, TextDelta..., Completed. Stores the turn pair on completion.

        Validation, look-ups and the input moderation check happen before anything
        is yielded, so bad input fails the call without a half-open stream.
        """
        received = time.perf_counter()
        options = options or SayOptions()
        check_player_text(text, self.limits, event_given=options.event is not None)
        params = resolve_sampling(options, self.limits)
        session = await self.get_session(session_id)
        character = await self.get_character(session.character_id)
        allowed = check_turn_inputs(options, character, self.limits)
        voice = await self._voice(character, options)
        if self._shutting_down:
            raise Unavailable("host is shutting down; reconnect to a running host")
        if not self.engine.ready:
            raise Unavailable(f"model {self.engine.info.name} is not ready yet; retry when health is SERVING")
        if len(self._active) >= self.limits.max_concurrent_streams:
            # Every generation slot is busy and the queue for them is full: a reply ends on
            # average every (reply time / streams), so a retry after half a reply likely gets in.
            retry = min(max(self._reply_seconds / 2, 0.25), 30.0)
            raise ResourceExhausted(
                f"all {self.limits.max_concurrent_streams} dialogue streams are busy (generating or queued "
                f"for a slot); retry in about {retry * 1000:.0f} ms, or raise max_concurrent_streams "
                "(with max_batch / max_queue)", retry_after_s=retry)
        # The slot is taken here, with no await since the check: calls arriving together
        # cannot all pass it (the input moderation below awaits).
        interaction_id = new_id("int")
        self._active.add(interaction_id)
        self._idle.clear()
        metrics.ACTIVE_STREAMS.inc()
        try:
            events = self._turn(session, character, text, options, params, allowed, interaction_id, received)
            if voice is not None:
                events = spoken_reply(events, self.speech.speaker, *voice)
            async with aclosing(events):
                async for event in events:
                    yield event
        finally:
            metrics.ACTIVE_STREAMS.dec()
            self._reply_seconds += 0.2 * (time.perf_counter() - received - self._reply_seconds)
            self._active.discard(interaction_id)
            if not self._active:
                self._idle.set()

    async def _turn(self, session: Session, character: Character, text: str, options: SayOptions,
                    params: SamplingParams, allowed: list[ActionSpec], interaction_id: str,
                    received: float) -> AsyncIterator[DialogueEvent]:
        """One turn's events after admission: input moderation, then a deflection or the reply."""
        gate = await moderate_player_text(self.moderation, text, character)
        yield Started(interaction_id=interaction_id, session_id=session.id, model=self.engine.info.name)
        for notice in gate.notices:
            yield notice
        if gate.blocked:
            line = deflection(character, len(session.turns))
            emotion = Emotion(character.emotion_labels()[0], 0.5)
            yield emotion
            yield TextDelta(line)
            await self._remember(session, character, text, emotion, True)
            yield Completed(interaction_id, line, "blocked", Usage(), reply_timings(received, None, 0, 0.0),
                            emotion=emotion)
            return
        plan = await asyncio.to_thread(plan_turn, self.intent, character, gate.text, options, allowed)
        async for event in self._generate(session, character, gate.text, params, interaction_id, received,
                                          options, plan):
            yield event

    async def _voice(self, character: Character, options: SayOptions) -> tuple[TtsBackend, float] | None:
        """The voice a spoken reply uses (checked before the stream starts), or None for text only."""
        if not options.audio:
            return None
        if self.speech is None:
            raise FailedPrecondition("this host does not speak (ServerInfo.capabilities.speech is false); "
                                     "send SayRequest.audio = false, or start the host with speech on")
        return await self.speech.voice(character.voice)

    async def _generate(self, session: Session, character: Character, text: str, params: SamplingParams,
                        interaction_id: str, received: float, options: SayOptions,
                        plan: TurnPlan) -> AsyncIterator[DialogueEvent]:
        if self.limits.emotions_by == "model":
            params.grammar = speech_grammar(character.emotion_labels())
        params.tail_grammar = tail_grammar(plan.choice)
        params.tail_max_tokens = tail_tokens(plan.choice)
        line = player_line(text, options.event)
        lore = await self._retrieve(character, session, line, options)
        memories, feeling = (await asyncio.to_thread(self.memory.recall, session.player_id, character.id)
                             if self.memory is not None else ([], ""))
        notes = [lore_note(lore), memory_note(memories, feeling), context_note(options.context)]
        tokens = PromptTokens(self.engine)
        messages = build_messages(character, session.turns, line,
                                  tokens.count, self.prompt_budget(params.max_tokens + params.tail_max_tokens),
                                  self.limits.history_hygiene, notes)
        reply_filter = self.moderation.stream_filter(character.safety_policy) if self.moderation else None
        parser = ReplyParser(character.emotion_labels())
        events = ReplyEvents(plan, character, self.moderation)
        pieces: list[str] = []
        first_at: float | None = None
        final = None
        blocked: list[str] | None = None
        notified_mask = False
        token_times: list[float] = []  # engine-side arrival of text, for tokens/s
        metrics.QUEUE_DEPTH.set(self.engine.queue_depth())
        stream = self.engine.generate(GenerationRequest(interaction_id, messages, params, options.priority,
                                                        tokens.ids(messages), adapter_path(self.adapters, character.adapter)))
        async with aclosing(stream):
            async for chunk in with_end(stream):
                parts = parser.finish() if chunk is None else parser.feed(chunk.text, chunk.tail)
                for emotion in events.settle_emotion(parts if chunk is not None else [*parts, ParsedText(" ")]):
                    yield emotion
                for part in parts:
                    if isinstance(part, ParsedCall):
                        for event in await events.call(part):
                            yield event
                speech = "".join(p.text for p in parts if isinstance(p, ParsedText))
                if chunk is None:  # end of generation: release what the filter holds back
                    if reply_filter is None:
                        verdict = FilterVerdict(release=speech)
                    else:
                        verdict = await asyncio.to_thread(reply_filter.push, speech) if speech else None
                        end = await asyncio.to_thread(reply_filter.finish)
                        verdict = merge_verdicts(verdict, end)
                elif reply_filter is not None and speech:
                    token_times.append(time.perf_counter())
                    verdict = await asyncio.to_thread(reply_filter.push, speech)
                else:
                    if chunk.text:
                        token_times.append(time.perf_counter())
                    verdict = FilterVerdict(release=speech)
                if chunk is not None and chunk.finish_reason is not None:
                    final = chunk
                if verdict.blocked:
                    blocked = verdict.blocked_categories
                    break  # leaving the block closes the stream: the engine aborts at once
                if verdict.masked_categories and not notified_mask:
                    notified_mask = True
                    yield ModerationNotice("character", "mask", sorted(verdict.masked_categories),
                                           "part of the reply was masked")
                if verdict.release:
                    if first_at is None:
                        first_at = time.perf_counter()
                        metrics.TIME_TO_FIRST_TOKEN.observe(first_at - received)
                    pieces.append(verdict.release)
                    yield TextDelta(verdict.release)
        if blocked is None and (final is None or final.finish_reason == "cancelled"):
            if self._shutting_down:
                raise Unavailable("host is shutting down; the reply was cut short, retry on a running host")
            raise Unavailable("generation was cancelled by the host")
        reply, reason = "".join(pieces), final.finish_reason if final else "blocked"
        if blocked is not None:
            yield ModerationNotice("character", "block", blocked,
                                   "the reply was blocked; discard the text so far, the completed text replaces it")
            reply, reason = deflection(character, len(session.turns)), "blocked"
            yield TextDelta(reply)
        usage = Usage(final.prompt_tokens, final.completion_tokens) if final else Usage()
        await asyncio.to_thread(self.store.append_turns, session.id, [
            Turn(Role.PLAYER, text, interaction_id, event=options.event),
            Turn(Role.CHARACTER, reply, interaction_id, emotion=events.emotion, actions=events.actions),
        ])
        await self._remember(session, character, text, events.emotion, blocked is not None)
        metrics.TOKENS_GENERATED.inc(usage.completion_tokens)
        decode = (token_times[0], token_times[-1]) if len(token_times) > 1 else None
        yield Completed(interaction_id, reply, reason or "stop", usage,
                        reply_timings(received, first_at, usage.completion_tokens, final.queue_ms if final else 0.0,
                                 decode), actions=list(events.actions), emotion=events.emotion)

    async def _remember(self, session: Session, character: Character, text: str, emotion: Emotion | None,
                        blocked: bool) -> None:
        if self.memory is not None:
            await asyncio.to_thread(self.memory.remember, session.player_id, character.id, text,
                                    emotion.label if emotion else "neutral", blocked)

    async def _retrieve(self, character: Character, session: Session, line: str, options: SayOptions) -> list[str]:
        """Lore passages for this turn: closest to the player's line, the game context and the
        last exchange, within the knowledge prompt budget."""
        if self.knowledge is None or not character.knowledge_collections:
            return []
        recent = " ".join(t.text for t in session.turns[-2:])
        query = " ".join(part for part in (line, " ".join(options.context.values()), recent) if part)
        return await asyncio.to_thread(
            self.knowledge.retrieve_now, character.knowledge_collections, query,
            lambda text: self.engine.count_tokens([ChatMessage("system", text)]), self.knowledge.limits.prompt_tokens)

    async def shutdown(self, grace_s: float) -> None:
        """Refuse new Say calls, let active ones finish for ``grace_s``, then abort them."""
        self._shutting_down = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=grace_s)
        except TimeoutError:
            log.warning("aborting %d dialogue stream(s) still running after %.1fs", len(self._active), grace_s)
            for interaction_id in list(self._active):
                self.engine.abort(interaction_id)
            try:
                await asyncio.wait_for(self._idle.wait(), timeout=2.0)
            except TimeoutError:
                pass
