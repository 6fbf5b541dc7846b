"""Generation behind a small interface: submit a request, stream text, abort by id.

Nothing here imports grpc; the model never runs on the event loop.
"""

from npcbridge.engine.interface import (
    ChatMessage,
    Engine,
    EngineInfo,
    GenerationChunk,
    GenerationRequest,
)

__all__ = ["ChatMessage", "Engine", "EngineInfo", "GenerationChunk", "GenerationRequest"]
