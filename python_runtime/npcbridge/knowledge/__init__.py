"""Knowledge: lore collections searched by meaning, and retrieval into NPC prompts."""
