"""Code generators for the npcbridge.v1 contract (run through scripts/gen_protos.py)."""
