"""The v1 servicers of one host, built once and served by every face (gRPC and HTTP).

Each entry pairs a service's descriptor with the object whose methods answer it,
so the HTTP face finds its routes in the same descriptors gRPC registers: a new
RPC in a .proto appears on both faces with no hand work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor

from npcbridge._proto.v1 import (
    avatar_pb2,
    dialogue_pb2,
    knowledge_pb2,
    memory_pb2,
    moderation_pb2,
    runtime_pb2,
    speech_pb2,
)
from npcbridge._proto.v1 import (
    avatar_pb2_grpc,
    dialogue_pb2_grpc,
    knowledge_pb2_grpc,
    memory_pb2_grpc,
    moderation_pb2_grpc,
    runtime_pb2_grpc,
    speech_pb2_grpc,
)
from npcbridge.app import Host
from npcbridge.transport.avatar_servicer import AvatarsServicer
from npcbridge.transport.dialogue_servicer import DialogueServicer
from npcbridge.transport.knowledge_servicer import KnowledgeServicer
from npcbridge.transport.memory_servicer import MemoryServicer
from npcbridge.transport.moderation_servicer import ModerationServicer
from npcbridge.transport.placeholders import AvatarsPlaceholder, ModerationPlaceholder, SpeechPlaceholder
from npcbridge.transport.runtime_servicer import RuntimeServicer
from npcbridge.transport.speech_servicer import SpeechServicer


@dataclass(frozen=True)
class ServedService:
    """One v1 service: its descriptor, the servicer answering it, and gRPC's registration hook."""

    descriptor: ServiceDescriptor
    servicer: Any
    register: Any  # add_XServicer_to_server

    @property
    def full_name(self) -> str:
        return self.descriptor.full_name


def build_services(host: Host) -> list[ServedService]:
    """Every v1 service of ``host``, in the contract's order."""

    def served(module: Any, grpc_module: Any, name: str, servicer: Any) -> ServedService:
        return ServedService(module.DESCRIPTOR.services_by_name[name], servicer,
                             getattr(grpc_module, f"add_{name}Servicer_to_server"))

    return [
        served(runtime_pb2, runtime_pb2_grpc, "Runtime", RuntimeServicer(host.server_info)),
        served(dialogue_pb2, dialogue_pb2_grpc, "Dialogue", DialogueServicer(host.dialogue)),
        served(avatar_pb2, avatar_pb2_grpc, "Avatars",
               AvatarsServicer(host.avatars) if host.avatars else AvatarsPlaceholder()),
        served(moderation_pb2, moderation_pb2_grpc, "Moderation",
               ModerationServicer(host.moderation) if host.moderation else ModerationPlaceholder()),
        served(knowledge_pb2, knowledge_pb2_grpc, "Knowledge", KnowledgeServicer(host.knowledge)),
        served(memory_pb2, memory_pb2_grpc, "Memory", MemoryServicer(host.memory)),
        served(speech_pb2, speech_pb2_grpc, "Speech",
               SpeechServicer(host.speech) if host.speech else SpeechPlaceholder()),
    ]


def service_names() -> list[str]:
    """The v1 services' full names (health and reflection list them)."""
    return [d.services_by_name[n].full_name for d, n in (
        (runtime_pb2.DESCRIPTOR, "Runtime"), (dialogue_pb2.DESCRIPTOR, "Dialogue"), (avatar_pb2.DESCRIPTOR, "Avatars"),
        (moderation_pb2.DESCRIPTOR, "Moderation"), (knowledge_pb2.DESCRIPTOR, "Knowledge"),
        (memory_pb2.DESCRIPTOR, "Memory"), (speech_pb2.DESCRIPTOR, "Speech"))]


def register_all(services: list[ServedService], server: grpc.aio.Server) -> None:
    for service in services:
        service.register(service.servicer, server)
