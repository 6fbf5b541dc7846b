"""NPC Bridge: a self-hosted model host for game NPCs (dialogue, avatars, moderation)."""

__version__ = "0.1.0"

#: Version of the npcbridge.v1 gRPC contract this host implements (semver).
API_VERSION = "1.0.0"

__all__ = ["API_VERSION", "__version__"]
