"""Model resolution and loading: the embedded default, Hugging Face ids, local paths.

Import from the submodules (``registry`` is light; ``loader`` and ``device`` import
torch): ``npcbridge serve`` resolves the model before it may import torch.
"""
