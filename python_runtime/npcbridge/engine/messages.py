"""What the front end and the engine core say to each other (msgpack over ZeroMQ).

The front end tokenises and detokenises; the core only ever sees token ids.
Messages are ``msgspec`` structs tagged by type, so a malformed frame fails to
decode instead of being guessed at.
"""

from __future__ import annotations

import msgspec

from npcbridge.dialogue.types import SamplingParams


class AddRequest(msgspec.Struct, tag=True):
    """Start generating for a tokenised prompt."""

    request_id: str
    prompt: list[int]
    params: SamplingParams
    priority: int = 0
    adapter: str = ""  # a LoRA adapter folder; "" = the base model


class AbortRequest(msgspec.Struct, tag=True):
    """Stop a request now; its slot is free before the next step."""

    request_id: str


class Shutdown(msgspec.Struct, tag=True):
    """Finish every request as cancelled and exit."""


class RequestOutput(msgspec.Struct, tag=True):
    """New tokens of one request; ``finish_reason`` set on its last output.

    ``error`` carries why the engine refused or failed the request, with
    ``error_kind`` "resource_exhausted", "invalid_argument" or "unavailable".
    """

    request_id: str
    tokens: list[int] = []
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    queue_ms: float = 0.0
    error: str | None = None
    error_kind: str = ""
    tail: bool = False  # the tokens belong to the tail (see SamplingParams.tail_grammar)


class Ready(msgspec.Struct, tag=True):
    """The core loaded its model and is taking requests."""

    model: str
    device: str
    dtype: str
    context_length: int
    eos_ids: list[int]
    slots: int
    slot_len: int
    batched: bool
    backend: str = "transformers"


class Failed(msgspec.Struct, tag=True):
    """The core could not start (model load error); the front end reports it."""

    message: str


class Stats(msgspec.Struct, tag=True):
    """Counters the core reports after each step: queue depth and prefix reuse."""

    waiting: int
    running: int
    prefix_lookups: int
    prefix_prompt_tokens: int
    prefix_hit_tokens: int
    adapters_loaded: list[str] = []  # folders of the LoRA adapters in the engine's memory


ToCore = AddRequest | AbortRequest | Shutdown
FromCore = list[RequestOutput] | Ready | Failed | Stats

_encoder = msgspec.msgpack.Encoder()
_to_core = msgspec.msgpack.Decoder(ToCore)
_from_core = msgspec.msgpack.Decoder(FromCore)


def encode(message: object) -> bytes:
    return _encoder.encode(message)


def decode_to_core(frame: bytes) -> ToCore:
    return _to_core.decode(frame)


def decode_from_core(frame: bytes) -> FromCore:
    return _from_core.decode(frame)
