from pathlib import Path

from npcbridge.dialogue.types import Character, Role, Session, Turn
from npcbridge.store import SqliteStore


def _fill(store: SqliteStore) -> None:
    store.upsert_character(Character(id="c1", name="Greta", knowledge=["iron"], deflections=["Hmph."]))
    store.create_session(Session(id="s1", character_id="c1", player_id="p1"))
    store.append_turns("s1", [Turn(Role.PLAYER, "hi", "i1"), Turn(Role.CHARACTER, "hello", "i1")])
    store.append_turns("s1", [Turn(Role.PLAYER, "bye", "i2"), Turn(Role.CHARACTER, "farewell", "i2")])


def test_everything_survives_reopen(tmp_path: Path):
    path = str(tmp_path / "sub" / "npc.db")
    store = SqliteStore(path)
    _fill(store)
    store.close()
    store = SqliteStore(path)
    assert store.get_character("c1") == Character(id="c1", name="Greta", knowledge=["iron"], deflections=["Hmph."])
    session = store.get_session("s1")
    assert session is not None
    assert [(t.role, t.text) for t in session.turns] == [
        (Role.PLAYER, "hi"), (Role.CHARACTER, "hello"), (Role.PLAYER, "bye"), (Role.CHARACTER, "farewell")]


# Everything else a store does: tests/integration/test_store_contract.py (SQLite and Redis).
