"""A small synchronous Python client for the host (CLI, benchmarks, tests)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from npcbridge import API_VERSION, __version__
from npcbridge._proto.v1 import avatar_pb2 as apb
from npcbridge._proto.v1 import avatar_pb2_grpc
from npcbridge._proto.v1 import dialogue_pb2 as dpb
from npcbridge._proto.v1 import dialogue_pb2_grpc, knowledge_pb2_grpc, runtime_pb2, runtime_pb2_grpc
from npcbridge._proto.v1 import knowledge_pb2 as kpb
from npcbridge._proto.v1 import memory_pb2 as mempb
from npcbridge._proto.v1 import memory_pb2_grpc
from npcbridge._proto.v1 import moderation_pb2 as modpb
from npcbridge._proto.v1 import speech_pb2 as spb
from npcbridge._proto.v1 import speech_pb2_grpc

HostError = grpc.RpcError
ROUTING_KEY = "x-npc-character"
# gRPC's own retries: a unary call that meets UNAVAILABLE (a replica gone, a host restarting)
# is sent again with backoff, through the balancer to a replica that is up. Say streams are
# not retried: a stream that fails reaches the game, which decides.


def unary_retry_service_config() -> str:
    """The channel's service config: every unary v1 method (from the contract's descriptors)
    retries UNAVAILABLE twice with short backoff (a replica gone behind a balancer is
    replaced at once; a host that is down still answers UNAVAILABLE within a short deadline)."""
    names = [{"service": service.full_name, "method": method.name}
             for module in (runtime_pb2, dpb, apb, kpb, mempb, modpb)
             for service in module.DESCRIPTOR.services_by_name.values()
             for method in service.methods if not method.server_streaming]
    return json.dumps({"methodConfig": [{"name": names, "retryPolicy": {
        "maxAttempts": 3, "initialBackoff": "0.05s", "maxBackoff": "0.4s", "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"]}}]})


class BrokenStream(grpc.RpcError):
    """A Say stream cut without a status from the host: the replica serving it went away
    (a balancer then ends the stream with no gRPC status, which gRPC calls UNKNOWN).
    The host itself never answers UNKNOWN, so this is reported as UNAVAILABLE."""

    def __init__(self, cause: grpc.RpcError) -> None:
        super().__init__(str(cause))
        self.cause = cause

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.UNAVAILABLE

    def details(self) -> str:
        return ("the connection to the host broke mid-reply (the replica serving it went away); the turn may not "
                "be stored: say the line again")


class SayStream:
    """A Say call: iterate it for events; ``cancel()``, ``initial_metadata()`` and the rest
    are the gRPC call's. A stream cut by a replica that went away raises UNAVAILABLE."""

    def __init__(self, call: Any) -> None:
        self._call = call

    def __iter__(self) -> SayStream:
        return self

    def __next__(self) -> dpb.DialogueEvent:
        try:
            return next(self._call)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.UNKNOWN:
                raise BrokenStream(exc) from exc
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._call, name)


class HostClient:
    """Blocking client over one channel; every call has a deadline."""

    def __init__(self, address: str, token: str | None = None, tls_ca: Path | None = None,
                 timeout_s: float = 30.0) -> None:
        options = [("grpc.service_config", unary_retry_service_config()), ("grpc.enable_retries", 1)]
        if tls_ca is not None:
            self.channel = grpc.secure_channel(address, grpc.ssl_channel_credentials(tls_ca.read_bytes()), options)
        else:
            self.channel = grpc.insecure_channel(address, options)
        self.timeout_s = timeout_s
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        # Which character each session talks to, for the balancer's routing header.
        self._character_of: dict[str, str] = {}
        self.runtime = runtime_pb2_grpc.RuntimeStub(self.channel)
        self.dialogue = dialogue_pb2_grpc.DialogueStub(self.channel)
        self.health_stub = health_pb2_grpc.HealthStub(self.channel)
        self.avatars = avatar_pb2_grpc.AvatarsStub(self.channel)
        self.knowledge = knowledge_pb2_grpc.KnowledgeStub(self.channel)
        self.memory = memory_pb2_grpc.MemoryStub(self.channel)
        self.speech = speech_pb2_grpc.SpeechStub(self.channel)

    def __enter__(self) -> HostClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.channel.close()

    def _call(self, method: Any, request: Any, character_id: str = "") -> Any:
        return method(request, timeout=self.timeout_s, metadata=self._routed(character_id))

    def _routed(self, character_id: str) -> tuple[tuple[str, str], ...]:
        """Call metadata; with ``x-npc-character`` a balancer sends one character's calls to
        one replica (its prompt stays in that replica's prefix cache)."""
        return self._metadata + (((ROUTING_KEY, character_id),) if character_id else ())

    def _session_character(self, session_id: str) -> str:
        return self._character_of.get(session_id, "")

    def info(self) -> runtime_pb2.ServerInfo:
        """The handshake: GetServerInfo."""
        return self._call(self.runtime.GetServerInfo, runtime_pb2.GetServerInfoRequest(
            client_name=f"npcbridge-python/{__version__}", client_api_version=API_VERSION))

    def health(self, service: str = "") -> str:
        """"SERVING", "NOT_SERVING", ... for ``service`` ("" is the whole host)."""
        reply = self.health_stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=self.timeout_s)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

    def wait_serving(self, timeout_s: float = 120.0) -> None:
        """Block until health says SERVING (models loaded)."""
        deadline = time.monotonic() + timeout_s
        last: Exception | str = "no answer"
        while time.monotonic() < deadline:
            try:
                status = self.health()
                if status == "SERVING":
                    return
                last = status
            except grpc.RpcError as exc:
                last = exc
            time.sleep(0.1)
        raise TimeoutError(f"host not SERVING after {timeout_s:.0f}s (last: {last})")

    def upsert_character(self, **fields: Any) -> dpb.Character:
        return self._call(self.dialogue.UpsertCharacter, dpb.UpsertCharacterRequest(character=dpb.Character(**fields)),
                          fields.get("id", ""))

    def get_character(self, character_id: str) -> dpb.Character:
        return self._call(self.dialogue.GetCharacter, dpb.GetCharacterRequest(id=character_id), character_id)

    def list_characters(self) -> list[dpb.Character]:
        return list(self._call(self.dialogue.ListCharacters, dpb.ListCharactersRequest()).characters)

    def list_adapters(self) -> list[dpb.AdapterInfo]:
        """The LoRA adapters characters may name (``Character.adapter``), and which are loaded."""
        return list(self._call(self.dialogue.ListAdapters, dpb.ListAdaptersRequest()).adapters)

    def delete_character(self, character_id: str) -> None:
        self._call(self.dialogue.DeleteCharacter, dpb.DeleteCharacterRequest(id=character_id), character_id)

    def create_session(self, character_id: str, player_id: str = "player") -> dpb.Session:
        session = self._call(self.dialogue.CreateSession,
                             dpb.CreateSessionRequest(character_id=character_id, player_id=player_id), character_id)
        self._character_of[session.id] = session.character_id
        return session

    def get_session(self, session_id: str) -> dpb.Session:
        session = self._call(self.dialogue.GetSession, dpb.GetSessionRequest(id=session_id),
                             self._session_character(session_id))
        self._character_of[session.id] = session.character_id
        return session

    def delete_session(self, session_id: str) -> None:
        self._call(self.dialogue.DeleteSession, dpb.DeleteSessionRequest(id=session_id),
                   self._session_character(session_id))
        self._character_of.pop(session_id, None)

    def say(self, session_id: str, text: str, *, max_tokens: int = 0, temperature: float | None = None,
            top_p: float | None = None, seed: int | None = None, priority: int = 0,
            timeout_s: float | None = None, context: dict[str, str] | None = None,
            event: dpb.GameEvent | None = None, allowed_actions: list[str] | None = None,
            audio: bool = False) -> SayStream:
        """Start a Say stream; iterate it for events, ``.cancel()`` it to stop the reply.
        ``context``: game state for this turn; ``event``: what happened in the game;
        ``allowed_actions``: this turn's subset of the character's actions; ``audio``: speak
        the reply (AudioChunk and Viseme events)."""
        params = dpb.GenerationParams(max_tokens=max_tokens)
        if temperature is not None:
            params.temperature = temperature
        if top_p is not None:
            params.top_p = top_p
        if seed is not None:
            params.seed = seed
        request = dpb.SayRequest(session_id=session_id, text=text, params=params, priority=priority,
                                 context=context or {}, event=event, allowed_actions=allowed_actions or [],
                                 audio=audio)
        return SayStream(self.dialogue.Say(request, timeout=timeout_s or self.timeout_s * 10,
                                           metadata=self._routed(self._session_character(session_id))))

    def say_text(self, session_id: str, text: str, **kwargs: Any) -> tuple[list[str], dpb.Completed]:
        """Run a whole Say; returns the text deltas and the Completed event."""
        deltas: list[str] = []
        completed = None
        for event in self.say(session_id, text, **kwargs):
            kind = event.WhichOneof("event")
            if kind == "text_delta":
                deltas.append(event.text_delta.text)
            elif kind == "completed":
                completed = event.completed
        if completed is None:
            raise RuntimeError("Say ended without a completed event")
        return deltas, completed

    def upsert_documents(self, collection: str, documents: list[tuple[str, str] | kpb.Document]
                         ) -> kpb.UpsertDocumentsResponse:
        """Add or replace documents, given as protos or (id, text) pairs."""
        docs = [d if isinstance(d, kpb.Document) else kpb.Document(id=d[0], text=d[1]) for d in documents]
        return self._call(self.knowledge.UpsertDocuments, kpb.UpsertDocumentsRequest(collection=collection,
                                                                                      documents=docs))

    def delete_documents(self, collection: str, ids: list[str]) -> int:
        return self._call(self.knowledge.DeleteDocuments,
                          kpb.DeleteDocumentsRequest(collection=collection, ids=ids)).deleted

    def search(self, collection: str, query: str, k: int = 0) -> list[kpb.SearchHit]:
        return list(self._call(self.knowledge.Search, kpb.SearchRequest(collection=collection, query=query,
                                                                        k=k)).hits)

    def list_collections(self) -> list[kpb.CollectionInfo]:
        return list(self._call(self.knowledge.ListCollections, kpb.ListCollectionsRequest()).collections)

    def list_memories(self, player_id: str, character_id: str = "") -> list[mempb.MemoryItem]:
        return list(self._call(self.memory.ListMemories, mempb.ListMemoriesRequest(
            player_id=player_id, character_id=character_id)).memories)

    def add_memory(self, player_id: str, character_id: str, text: str, importance: float = 0.5) -> mempb.MemoryItem:
        return self._call(self.memory.AddMemory, mempb.AddMemoryRequest(memory=mempb.MemoryItem(
            player_id=player_id, character_id=character_id, text=text, importance=importance)))

    def delete_memory(self, memory_id: str) -> None:
        self._call(self.memory.DeleteMemory, mempb.DeleteMemoryRequest(id=memory_id))

    def forget_player(self, player_id: str) -> mempb.ForgetPlayerResponse:
        return self._call(self.memory.ForgetPlayer, mempb.ForgetPlayerRequest(player_id=player_id))

    def get_relationship(self, player_id: str, character_id: str) -> mempb.Relationship:
        return self._call(self.memory.GetRelationship, mempb.GetRelationshipRequest(
            player_id=player_id, character_id=character_id))

    def set_relationship(self, player_id: str, character_id: str, affinity: float, trust: float
                         ) -> mempb.Relationship:
        return self._call(self.memory.SetRelationship, mempb.SetRelationshipRequest(relationship=mempb.Relationship(
            player_id=player_id, character_id=character_id, affinity=affinity, trust=trust)))

    def list_attributes(self) -> dict[str, list[str]]:
        reply = self._call(self.avatars.ListAttributes, apb.ListAttributesRequest())
        return {a.name: list(a.values) for a in reply.attributes}

    def list_expressions(self) -> dict[str, dict[str, float]]:
        """Expression name -> its ARKit blend-shape weights (empty for a neutral-only model)."""
        reply = self._call(self.avatars.ListAttributes, apb.ListAttributesRequest())
        return {e.name: dict(e.morph_targets) for e in reply.expressions}

    def generate_avatars(self, attributes: dict[str, str] | None = None, description: str = "", count: int = 0,
                         seed: int | None = None, truncation: float | None = None,
                         expression: str = "") -> Iterator[apb.AvatarEvent]:
        """Start a Generate stream of progress and avatar events."""
        request = apb.GenerateAvatarRequest(attributes=attributes or {}, description=description, count=count,
                                            expression=expression)
        if seed is not None:
            request.seed = seed
        if truncation is not None:
            request.truncation = truncation
        return self.avatars.Generate(request, timeout=self.timeout_s * 4, metadata=self._metadata)

    def avatar_list(self, **kwargs: Any) -> list[apb.Avatar]:
        """Run a whole Generate; returns the avatars in order."""
        return [e.avatar for e in self.generate_avatars(**kwargs) if e.WhichOneof("event") == "avatar"]


    def list_voices(self) -> spb.ListVoicesResponse:
        return self._call(self.speech.ListVoices, spb.ListVoicesRequest())

    def synthesize(self, text: str, voice: str = "", speed: float = 0.0, safety_policy: str = "") -> Any:
        """A Synthesize stream of SpeechEvents (iterate it; ``.cancel()`` stops it)."""
        request = spb.SynthesizeRequest(text=text, voice=spb.VoiceSettings(name=voice, speed=speed),
                                        safety_policy=safety_policy)
        return self.speech.Synthesize(request, timeout=self.timeout_s * 10, metadata=self._metadata)

    def transcribe(self, pcm16: bytes, sample_rate: int = 16000, chunk_bytes: int = 32000,
                   safety_policy: str = "") -> spb.Transcript:
        """Stream PCM16 mono audio to Transcribe in chunks; the transcript."""
        def inputs() -> Iterator[spb.AudioInput]:
            for i in range(0, max(len(pcm16), 1), chunk_bytes):
                first = i == 0
                yield spb.AudioInput(pcm16=pcm16[i:i + chunk_bytes], sample_rate=sample_rate if first else 0,
                                     safety_policy=safety_policy if first else "")

        return self.speech.Transcribe(inputs(), timeout=self.timeout_s * 4, metadata=self._metadata)


def cancel_after_deltas(call: Any, count: int) -> list[str]:
    """Read ``count`` text deltas from a Say call, then cancel it (as a player who
    walks away mid-reply); returns the deltas read."""
    deltas: list[str] = []
    for event in call:
        if event.WhichOneof("event") == "text_delta":
            deltas.append(event.text_delta.text)
            if len(deltas) == count:
                break
    call.cancel()
    return deltas
