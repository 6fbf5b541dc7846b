"""Model resolution and loading: the embedded default, Hugging Face ids, local paths."""

from npcbridge.models.device import select_device, select_dtype
from npcbridge.models.loader import LoadedModel, load_causal_lm
from npcbridge.models.registry import EMBEDDED_DEFAULT, ModelSource, resolve_model

__all__ = [
    "EMBEDDED_DEFAULT",
    "LoadedModel",
    "ModelSource",
    "load_causal_lm",
    "resolve_model",
    "select_device",
    "select_dtype",
]
