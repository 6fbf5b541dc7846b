"""Assemble the host from settings: store, engine and domain services (no gRPC)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from npcbridge import API_VERSION, __version__
from npcbridge.avatar.service import AvatarLimits, AvatarService
from npcbridge.config import Settings
from npcbridge.dialogue.service import DialogueService
from npcbridge.dialogue.validation import DialogueLimits
from npcbridge.engine.interface import Engine
from npcbridge.engine.process_launch import EngineLaunch
from npcbridge.knowledge.service import KnowledgeLimits, KnowledgeService
from npcbridge.memory.service import MemoryService
from npcbridge.speech.service import SpeechLimits, SpeechService
from npcbridge.speech.stt import Transcriber
from npcbridge.speech.voices import VoiceCatalog
from npcbridge.models.adapters import AdapterFolder
from npcbridge.models.device import dtype_name
from npcbridge.moderation.service import ModerationLimits, ModerationService
from npcbridge.store import SessionStore, open_store


@dataclass
class ServerInfo:
    """What GetServerInfo answers; transport converts it to the proto."""

    api_version: str
    runtime_version: str
    capabilities: dict[str, bool]
    models: list[dict[str, object]]
    limits: dict[str, int]


def make_engine(settings: Settings, launch: EngineLaunch | None = None) -> Engine:
    """The dialogue engine named by ``backend``; its model loads on ``start()``
    (``launch``: the engine process, when the CLI started it early)."""
    if settings.backend == "scripted":
        from npcbridge.engine.scripted import ScriptedEngine

        assert settings.script is not None  # enforced by Settings
        return ScriptedEngine.from_file(settings.script)
    if settings.backend == "vllm":
        from npcbridge.engine.vllm_engine import VllmEngine

        return VllmEngine.from_settings(settings)
    if settings.backend == "llama.cpp":
        from npcbridge.engine.llama_cpp_engine import LlamaCppEngine

        return LlamaCppEngine.from_settings(settings)
    from npcbridge.engine.transformers_engine import TransformersEngine

    return TransformersEngine.from_settings(settings, launch)  # openvino or transformers: the same front end


def knowledge_limits(settings: Settings) -> KnowledgeLimits:
    """The knowledge-relevant slice of the settings."""
    return KnowledgeLimits(settings.max_documents, settings.max_document_chars, settings.max_search_k,
                           prompt_tokens=settings.knowledge_prompt_tokens)


def dialogue_limits(settings: Settings) -> DialogueLimits:
    """The dialogue-relevant slice of the settings."""
    return DialogueLimits(
        max_text_chars=settings.max_text_chars,
        max_new_tokens=settings.max_new_tokens,
        default_max_tokens=settings.default_max_tokens,
        max_concurrent_streams=settings.max_concurrent_streams,
        max_context_tokens=settings.max_context_tokens,
        default_temperature=settings.default_temperature,
        default_top_p=settings.default_top_p,
        default_min_p=settings.default_min_p,
        default_repetition_penalty=settings.default_repetition_penalty,
        default_no_repeat_ngram=settings.default_no_repeat_ngram,
        sentence_stop=settings.sentence_stop,
        max_actions=settings.max_actions,
        max_context_chars=settings.max_context_chars,
        emotions_by=settings.emotions_by,
    )


@dataclass
class Host:
    """The domain side of a running host."""

    settings: Settings
    store: SessionStore
    engine: Engine
    dialogue: DialogueService
    moderation: ModerationService | None
    knowledge: KnowledgeService
    memory: MemoryService
    avatars: AvatarService | None = None
    speech: SpeechService | None = None

    @classmethod
    def create(cls, settings: Settings, engine: Engine | None = None, launch: EngineLaunch | None = None) -> Host:
        """Open the store and build services; ``engine`` overrides the configured one,
        ``launch`` is its process when started early."""
        store = open_store(settings.store or settings.db)
        engine = engine or make_engine(settings, launch)
        moderation = None
        if settings.moderation:
            moderation = ModerationService(
                settings.moderation_policy,
                ModerationLimits(settings.max_text_chars, settings.max_batch_texts),
                use_classifier=settings.moderation_classifier, device="cpu")
        knowledge = KnowledgeService(store, knowledge_limits(settings))
        memory = MemoryService(store)
        speech = None
        if settings.speech:
            speech = SpeechService(VoiceCatalog(settings.voices_dir, settings.default_voice),
                                   Transcriber(settings.stt_model or None, settings.device),
                                   SpeechLimits(settings.max_text_chars, settings.max_audio_seconds), moderation,
                                   settings.tts_threads)
        dialogue = DialogueService(store, engine, dialogue_limits(settings), moderation, knowledge=knowledge,
                                   memory=memory, adapters=AdapterFolder(settings.adapters_dir), speech=speech)
        avatars = None
        if settings.avatars:
            avatars = AvatarService(
                settings.avatar_model, settings.device, settings.dtype,
                AvatarLimits(settings.max_avatar_count, settings.max_text_chars, settings.avatar_batch), moderation)
        return cls(settings, store, engine, dialogue, moderation, knowledge, memory, avatars, speech)

    def server_info(self) -> ServerInfo:
        """The handshake answer for GetServerInfo."""
        s = self.settings
        info = self.engine.info
        return ServerInfo(
            api_version=API_VERSION,
            runtime_version=__version__,
            capabilities={
                "dialogue": True, "avatars": self.avatars is not None, "moderation": self.moderation is not None,
                "streaming_moderation": self.moderation is not None,
                "auth_required": s.token() is not None, "tls": s.tls_cert is not None,
                "persistent_sessions": bool(s.store) or s.db != ":memory:", "priority": s.backend != "scripted",
                "actions": True, "knowledge": self.knowledge.available, "memory": True,
                "speech": self.speech is not None,
            },
            models=[{"name": info.name, "kind": "dialogue", "device": info.device, "dtype": info.dtype,
                     "context_length": info.context_length, "backend": info.backend}]
            + ([{"name": "all-MiniLM-L6-v2 + npcbridge heads", "kind": "moderation", "device": "cpu",
                 "dtype": "float32", "context_length": 64, "backend": "transformers"}]
               if self.moderation is not None and self.moderation.has_classifier else [])
            + ([{"name": self.avatars.model.name, "kind": "avatar", "device": str(self.avatars.model.device),
                 "dtype": dtype_name(self.avatars.model.dtype), "context_length": 0, "backend": "torch"}]
               if self.avatars is not None and self.avatars.model is not None else []),
            limits={
                "max_text_chars": s.max_text_chars, "max_new_tokens": s.max_new_tokens,
                "max_concurrent_streams": s.max_concurrent_streams, "max_message_bytes": s.max_message_bytes,
                "max_batch_texts": s.max_batch_texts, "max_avatar_count": s.max_avatar_count,
                "max_context_tokens": self.dialogue.context_limit(),
                "max_actions": self.dialogue.limits.max_actions,
                "max_context_chars": self.dialogue.limits.max_context_chars,
                "max_documents": self.knowledge.limits.max_documents,
                "max_document_chars": self.knowledge.limits.max_document_chars,
                "max_search_k": self.knowledge.limits.max_search_k,
                "knowledge_prompt_tokens": self.knowledge.limits.prompt_tokens,
                "max_audio_seconds": s.max_audio_seconds,
            },
        )

    async def start(self) -> None:
        """Load the models (slow for real models). The engine starts first; when it has
        its own process, its front end loads the tokenizer on this thread and then waits
        for that process, so the moderation and avatar models load meanwhile. Nothing
        else loads in parallel: transformers' lazy imports are not safe to trigger from
        two threads of one process at once."""
        engine = asyncio.create_task(self.engine.start(), name="npcbridge-engine-start")
        try:
            if self.settings.engine_process:
                await asyncio.sleep(0)  # let it run up to its first wait (the tokenizer is loaded by then)
            else:
                await engine
            if self.moderation is not None:
                await self.moderation.start()
            await asyncio.to_thread(self.dialogue.load_intent)
            await asyncio.to_thread(self.knowledge.start)
            if self.avatars is not None:
                await self.avatars.start()
            await engine
        except BaseException:  # a load error, or the host stopping while it loads
            engine.cancel()
            await asyncio.gather(engine, return_exceptions=True)
            raise

    async def close(self) -> None:
        """Stop the engine and close the store (after calls have drained)."""
        if self.avatars is not None:
            await self.avatars.close()
        if self.speech is not None:
            self.speech.close()
        await self.engine.stop()
        self.store.close()

    async def stop(self, grace_s: float) -> None:
        """Drain dialogue streams for up to ``grace_s``, then close."""
        await self.dialogue.shutdown(grace_s)
        await self.close()
