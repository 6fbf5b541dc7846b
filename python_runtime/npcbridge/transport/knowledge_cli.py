"""The gRPC side of ``npcbridge knowledge``: upload, search and list against a host."""

from __future__ import annotations

from pathlib import Path

import grpc
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from npcbridge._proto.v1 import knowledge_pb2 as kpb
from npcbridge.transport.client import HostClient


def _failed(console: Console, exc: grpc.RpcError) -> int:
    console.print(f"[red]{exc.code().name}:[/] {escape(exc.details() or '')}")
    return 1


def upload(console: Console, address: str, token: str | None, collection: str,
           documents: list[tuple[str, Path]], batch: int) -> int:
    """Upsert (id, file) pairs in batches with a progress bar; returns the exit code."""
    passages = 0
    with HostClient(address, token) as client, Progress(console=console) as progress:
        task = progress.add_task(f"adding to {collection}", total=len(documents))
        for start in range(0, len(documents), batch):
            chunk = documents[start:start + batch]
            docs = [kpb.Document(id=doc_id, text=path.read_text(encoding="utf-8"), metadata={"file": path.name})
                    for doc_id, path in chunk]
            try:
                passages += client.upsert_documents(collection, docs).passages
            except grpc.RpcError as exc:
                progress.stop()
                return _failed(console, exc)
            progress.advance(task, len(chunk))
    console.print(f"{len(documents)} documents, {passages} passages in [bold]{escape(collection)}[/]")
    return 0


def search(console: Console, address: str, token: str | None, collection: str, query: str, k: int) -> int:
    with HostClient(address, token) as client:
        try:
            hits = client.search(collection, query, k)
        except grpc.RpcError as exc:
            return _failed(console, exc)
    table = Table("score", "document", "passage", title=f"{collection}: {query}")
    for hit in hits:
        table.add_row(f"{hit.score:.2f}", escape(hit.document.id), escape(hit.document.text))
    console.print(table)
    return 0


def list_collections(console: Console, address: str, token: str | None) -> int:
    with HostClient(address, token) as client:
        try:
            collections = client.list_collections()
        except grpc.RpcError as exc:
            return _failed(console, exc)
    table = Table("collection", "documents", "passages")
    for c in collections:
        table.add_row(escape(c.name), str(c.documents), str(c.passages))
    console.print(table)
    return 0
