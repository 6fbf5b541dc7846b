"""``npcbridge bench avatars``: portraits per second through real gRPC, batched
(one Generate of count 16) beside one at a time, and concurrent single requests
that the host batches itself; plus the raw generator forward as the ceiling."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

from npcbridge.avatar.models import seeded_normal
from npcbridge.testing import running_host


def per_second(fn: Callable[[], int], repeats: int) -> float:
    """Items/s of ``fn`` (returns how many items it made), after one warm-up call."""
    fn()
    made, start = 0, time.perf_counter()
    for _ in range(repeats):
        made += fn()
    return made / (time.perf_counter() - start)


def run_avatar_bench(console: Console, count: int = 16, repeats: int = 3, device: str = "auto",
                     model: str = "builtin", json_out: Path | None = None) -> dict[str, float]:
    """Measure every path in one run and print them with ratios to one-at-a-time."""
    figures: dict[str, float] = {}
    with running_host(moderation=False, device=device, avatar_model=model, avatar_batch=count) as host, \
            host.client() as client:
        service = host.host.avatars
        assert service is not None and service.model is not None
        avatar_model = service.model
        seed = iter(range(10**6))

        def batched() -> int:
            return len(client.avatar_list(count=count, seed=next(seed) * count))

        def one_at_a_time() -> int:
            for _ in range(count):
                client.avatar_list(seed=next(seed))
            return count

        def concurrent() -> int:
            with ThreadPoolExecutor(count) as pool:
                return sum(len(r) for r in pool.map(lambda s: client.avatar_list(seed=s),
                                                     [next(seed) for _ in range(count)]))

        figures[f"gRPC Generate count={count}"] = per_second(batched, repeats)
        figures["gRPC one at a time"] = per_second(one_at_a_time, repeats)
        figures[f"gRPC {count} concurrent count=1"] = per_second(concurrent, repeats)

        gen = avatar_model.gen  # type: ignore[attr-defined]
        if hasattr(gen, "latent_dim"):
            z = torch.stack([seeded_normal(s, gen.latent_dim) for s in range(count)]).to(avatar_model.device)
            idx = torch.zeros(count, len(gen.attribute_sizes), dtype=torch.long, device=avatar_model.device)

            def raw() -> int:
                with torch.inference_mode():
                    gen(z.to(avatar_model.dtype), idx)
                return count

            figures[f"raw forward batch {count} (no PNG, ceiling)"] = per_second(raw, repeats)
        device_name = str(avatar_model.device)

    base = figures["gRPC one at a time"]
    table = Table("path", "portraits/s", "vs one at a time",
                  title=f"{avatar_model.name} ({avatar_model.size}px) on {device_name}, "
                        f"{torch.get_num_threads()} threads")
    for name, value in figures.items():
        table.add_row(name, f"{value:.1f}", f"{value / base:.2f}x")
    Console().print(table)
    if json_out is not None:
        json_out.write_text(json.dumps({**figures, "device": device_name}, indent=2))
    return figures
