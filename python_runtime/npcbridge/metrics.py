"""Prometheus metrics (prometheus-client), served on ``--metrics-port``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, Info, start_http_server

REPLICA = Info("npcbridge_replica", "Which host replica serves these metrics")
REQUESTS = Counter("npcbridge_requests_total", "gRPC calls by method and status code", ["method", "code"])
ACTIVE_STREAMS = Gauge("npcbridge_active_streams", "Say streams in progress")
QUEUE_DEPTH = Gauge("npcbridge_queue_depth", "Requests waiting for the engine")
ENGINE_RUNNING = Gauge("npcbridge_engine_running", "Requests holding a KV slot in the dialogue engine")
PREFIX_HIT_RATIO = Gauge("npcbridge_prefix_cache_hit_ratio", "Share of prompt tokens taken from the prefix cache")
ENGINE_RESTARTS = Counter("npcbridge_engine_restarts_total", "Dialogue engine processes that died and were restarted")
TOKENS_GENERATED = Counter("npcbridge_tokens_generated_total", "Completion tokens produced")
TIME_TO_FIRST_TOKEN = Histogram(
    "npcbridge_time_to_first_token_seconds", "Say received to first text delta",
    buckets=(0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 2, 5, 10),
)


def serve_metrics(port: int, host: str) -> None:
    """Expose /metrics over HTTP on ``host:port`` (a daemon thread)."""
    start_http_server(port, addr=host)
