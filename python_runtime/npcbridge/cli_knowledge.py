"""``npcbridge knowledge``: upload lore to a running host and search it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import grpc
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from npcbridge._proto.v1 import knowledge_pb2 as kpb

knowledge_app = typer.Typer(help="Lore collections NPCs draw on: add documents, search, list.", no_args_is_help=True)
console = Console()
Address = Annotated[str, typer.Option("--address", "-a", help="host:port of a running host.")]
Token = Annotated[Optional[str], typer.Option("--token", envvar="NPCBRIDGE_AUTH_TOKEN", help="Bearer token.")]
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst"}


def lore_files(paths: list[Path]) -> list[Path]:
    """The text files named, and those under named folders (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise typer.BadParameter(f"{path} does not exist")
    return found


def document_id(path: Path, root: Path | None) -> str:
    """A document id from a file path: relative to its folder, '/' as ':'."""
    relative = path.relative_to(root) if root is not None and root in path.parents else Path(path.name)
    return ":".join(relative.with_suffix("").parts)


def _fail(exc: grpc.RpcError) -> None:
    console.print(f"[red]{exc.code().name}:[/] {escape(exc.details() or '')}")
    raise typer.Exit(1)


@knowledge_app.command("add")
def add(collection: Annotated[str, typer.Argument(help="Collection to add to (created on first use).")],
        paths: Annotated[list[Path], typer.Argument(help="Text files, or folders of .txt/.md files.")],
        address: Address = "127.0.0.1:50051", token: Token = None,
        batch: Annotated[int, typer.Option(help="Documents per UpsertDocuments call.")] = 32) -> None:
    """Upload files as documents (the id is the file's path, the text its contents)."""
    from npcbridge.transport.client import HostClient

    files = [(f, next((p for p in paths if p.is_dir() and p in f.parents), None)) for f in lore_files(paths)]
    if not files:
        raise typer.BadParameter("no text files found")
    passages = 0
    with HostClient(address, token) as client, Progress(console=console) as progress:
        task = progress.add_task(f"adding to {collection}", total=len(files))
        for start in range(0, len(files), batch):
            chunk = files[start:start + batch]
            docs = [kpb.Document(id=document_id(f, root), text=f.read_text(encoding="utf-8"),
                                 metadata={"file": f.name}) for f, root in chunk]
            try:
                passages += client.upsert_documents(collection, docs).passages
            except grpc.RpcError as exc:
                progress.stop()
                _fail(exc)
            progress.advance(task, len(chunk))
    console.print(f"{len(files)} documents, {passages} passages in [bold]{escape(collection)}[/]")


@knowledge_app.command("search")
def search(collection: Annotated[str, typer.Argument(help="Collection to search.")],
           query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
           k: Annotated[int, typer.Option("-k", help="Hits wanted.")] = 5,
           address: Address = "127.0.0.1:50051", token: Token = None) -> None:
    """The passages closest in meaning to the query."""
    from npcbridge.transport.client import HostClient

    with HostClient(address, token) as client:
        try:
            hits = client.search(collection, query, k)
        except grpc.RpcError as exc:
            _fail(exc)
    table = Table("score", "document", "passage", title=f"{collection}: {query}")
    for hit in hits:
        table.add_row(f"{hit.score:.2f}", escape(hit.document.id), escape(hit.document.text))
    console.print(table)


@knowledge_app.command("list")
def list_collections(address: Address = "127.0.0.1:50051", token: Token = None) -> None:
    """Collections with their document and passage counts."""
    from npcbridge.transport.client import HostClient

    with HostClient(address, token) as client:
        try:
            collections = client.list_collections()
        except grpc.RpcError as exc:
            _fail(exc)
    table = Table("collection", "documents", "passages")
    for c in collections:
        table.add_row(escape(c.name), str(c.documents), str(c.passages))
    console.print(table)
