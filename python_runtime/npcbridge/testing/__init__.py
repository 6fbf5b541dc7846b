"""Helpers game teams (and our own tests) reuse: a deterministic scripted backend
and a real host on 127.0.0.1 in a background thread.

    from npcbridge.testing import running_host, scripted_engine

    with running_host(engine=scripted_engine({"replies": [...]})) as host:
        client = host.client()
"""

from npcbridge.engine.scripted import ScriptedEngine
from npcbridge.testing.host import RunningHost, free_port, running_host, scripted_engine

__all__ = ["RunningHost", "ScriptedEngine", "free_port", "running_host", "scripted_engine"]
