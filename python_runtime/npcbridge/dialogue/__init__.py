"""Characters, sessions, prompt building and the Say flow (no gRPC here)."""
