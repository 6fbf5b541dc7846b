"""``npcbridge knowledge``: upload lore to a running host and search it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from npcbridge.cli_common import Address, Token

knowledge_app = typer.Typer(help="Lore collections NPCs draw on: add documents, search, list.", no_args_is_help=True)
console = Console()
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst"}


def lore_files(paths: list[Path]) -> list[tuple[str, Path]]:
    """(document id, file) for the files named and the text files under named folders;
    the id is the path below its folder with ':' for '/' (or the file's stem)."""
    found: list[tuple[str, Path]] = []
    for path in paths:
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES and p.is_file()):
                found.append((":".join(f.relative_to(path).with_suffix("").parts), f))
        elif path.is_file():
            found.append((path.stem, path))
        else:
            raise typer.BadParameter(f"{path} does not exist")
    return found


@knowledge_app.command("add")
def add(collection: Annotated[str, typer.Argument(help="Collection to add to (created on first use).")],
        paths: Annotated[list[Path], typer.Argument(help="Text files, or folders of .txt/.md files.")],
        address: Address = "127.0.0.1:50051", token: Token = None,
        batch: Annotated[int, typer.Option(help="Documents per UpsertDocuments call.")] = 32) -> None:
    """Upload files as documents (the id is the file's path, the text its contents)."""
    from npcbridge.transport.knowledge_cli import upload

    documents = lore_files(paths)
    if not documents:
        raise typer.BadParameter("no text files found")
    raise typer.Exit(upload(console, address, token, collection, documents, batch))


@knowledge_app.command("search")
def search(collection: Annotated[str, typer.Argument(help="Collection to search.")],
           query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
           k: Annotated[int, typer.Option("-k", help="Hits wanted.")] = 5,
           address: Address = "127.0.0.1:50051", token: Token = None) -> None:
    """The passages closest in meaning to the query."""
    from npcbridge.transport.knowledge_cli import search as run_search

    raise typer.Exit(run_search(console, address, token, collection, query, k))


@knowledge_app.command("list")
def list_collections(address: Address = "127.0.0.1:50051", token: Token = None) -> None:
    """Collections with their document and passage counts."""
    from npcbridge.transport.knowledge_cli import list_collections as run_list

    raise typer.Exit(run_list(console, address, token))
