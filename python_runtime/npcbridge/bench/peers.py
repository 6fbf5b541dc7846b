"""The peers ``npcbridge bench engines`` measures the host against, on the same GGUF and
the same prompt token ids in the same run: llama.cpp's ``llama-server -np N`` over its
own HTTP API, and OpenVINO GenAI's ``ContinuousBatchingPipeline`` driven bare in this
process (what the host's default engine does without the NPC layer around it)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from npcbridge.bench.dialogue import SessionsRun, run_together
from npcbridge.engine.llama_server import LlamaServerProcess, ServerOptions


@dataclass
class Load:
    """What every request of one measurement asks: greedy or sampled, up to ``max_tokens``."""

    max_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    eos_ids: tuple[int, ...] = ()


def _record(run: SessionsRun, lock: threading.Lock, start: float, arrivals: list[float], tokens: int) -> None:
    with lock:
        run.tokens += tokens
        if arrivals:
            run.ttft_ms.append((arrivals[0] - start) * 1000)
            run.itl_ms.extend((b - a) * 1000 for a, b in zip(arrivals, arrivals[1:]))
        run._arrivals.append(arrivals)


class LlamaServerPeer:
    """A llama-server with ``slots`` slots on ``model``; measure N streams at once."""

    def __init__(self, binary: str, model: Path, slots: int, slot_tokens: int = 2048, threads: int = 0) -> None:
        self.process = LlamaServerProcess(ServerOptions(binary, model, slots, slot_tokens, threads))

    def __enter__(self) -> LlamaServerPeer:
        asyncio.run(self.process.start())
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run(self.process.stop())

    def _one(self, prompt: list[int], load: Load, seed: int, run: SessionsRun, lock: threading.Lock,
             barrier: threading.Barrier) -> None:
        body = {"prompt": prompt, "n_predict": load.max_tokens, "stream": True, "cache_prompt": True,
                "return_tokens": True, "temperature": load.temperature, "top_p": load.top_p, "top_k": 0,
                "min_p": 0.0, "seed": seed}
        barrier.wait()
        start, arrivals, tokens = time.perf_counter(), [], 0
        with httpx.Client(timeout=None) as client, \
                client.stream("POST", f"{self.process.url}/completion", json=body) as response:
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                new = [t for t in json.loads(line[6:]).get("tokens", []) if t not in load.eos_ids]
                if new:
                    arrivals.append(time.perf_counter())
                    tokens += len(new)
        _record(run, lock, start, arrivals, tokens)

    def measure(self, prompts: list[list[int]], load: Load) -> SessionsRun:
        run, lock = SessionsRun(len(prompts)), threading.Lock()
        barrier = threading.Barrier(len(prompts) + 1)
        threads = [threading.Thread(target=self._one, args=(p, load, i, run, lock, barrier))
                   for i, p in enumerate(prompts)]
        run.seconds = run_together(threads, barrier)
        run.close_round()
        return run


class OpenVinoPeer:
    """OpenVINO GenAI's pipeline on ``model`` with the host's scheduler settings, no NPC layer."""

    def __init__(self, model: Path, max_batch: int, step_tokens: int = 256, threads: int = 0) -> None:
        import openvino_genai as ov_genai

        scheduler = ov_genai.SchedulerConfig()
        scheduler.max_num_seqs = max_batch
        scheduler.max_num_batched_tokens = step_tokens
        scheduler.dynamic_split_fuse = True
        scheduler.enable_prefix_caching = True
        scheduler.cache_size = 4
        properties = {"INFERENCE_NUM_THREADS": threads} if threads else {}
        self.pipeline = ov_genai.ContinuousBatchingPipeline(str(model), scheduler, "CPU", properties)

    def measure(self, prompts: list[list[int]], load: Load) -> SessionsRun:
        import openvino as ov
        import openvino_genai as ov_genai

        run, lock = SessionsRun(len(prompts)), threading.Lock()
        config = ov_genai.GenerationConfig()
        config.max_new_tokens = load.max_tokens
        config.stop_token_ids = set(load.eos_ids)
        if load.temperature > 0:
            config.do_sample, config.temperature, config.top_p = True, load.temperature, load.top_p
        start = time.perf_counter()
        handles = []
        for i, prompt in enumerate(prompts):
            config.rng_seed = i
            handles.append(self.pipeline.add_request(i, ov.Tensor(np.array([prompt], dtype=np.int64)), config))
        arrivals: list[list[float]] = [[] for _ in prompts]
        counts = [0] * len(prompts)
        while self.pipeline.has_non_finished_requests():
            self.pipeline.step()
            now = time.perf_counter()
            for i, handle in enumerate(handles):
                if handle.can_read():
                    new = [t for out in handle.read().values() for t in out.generated_ids if t not in load.eos_ids]
                    if new:
                        arrivals[i].append(now)
                        counts[i] += len(new)
        run.seconds = time.perf_counter() - start
        for i in range(len(prompts)):
            _record(run, lock, start, arrivals[i], counts[i])
        run.close_round()
        return run
