"""One store test suite, run against the embedded SQLite store and against a real
``redis-server`` started on 127.0.0.1 (AOF on), plus what only Redis can do wrong:
a restart mid-run and an outage."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from npcbridge.dialogue.types import ActionCall, Character, Emotion, GameEvent, Role, Session, Turn
from npcbridge.errors import ConfigError, NotFound, Unavailable
from npcbridge.knowledge.types import CollectionInfo, Document
from npcbridge.memory.types import MemoryItem, Relationship
from npcbridge.store import SqliteStore, open_store
from npcbridge.store.redis_store import RedisStore
from npcbridge.testing.redis_server import RedisServer


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        s = SqliteStore(str(tmp_path / "npc.db"))
    else:
        s = RedisStore(request.getfixturevalue("redis_server").url, prefix=f"t{uuid.uuid4().hex[:8]}:")
    yield s
    s.close()


def _fill(store) -> None:
    store.upsert_character(Character(id="c1", name="Greta", knowledge=["iron"], deflections=["Hmph."]))
    store.upsert_character(Character(id="c0", name="Bram"))
    store.create_session(Session(id="s1", character_id="c1", player_id="p1", created_at_ms=5))
    store.append_turns("s1", [Turn(Role.PLAYER, "hi", "i1", 10, event=GameEvent("door", "opened", {"by": "p1"})),
                              Turn(Role.CHARACTER, "hello", "i1", 11, emotion=Emotion("happy", 0.7),
                                   actions=[ActionCall("a1", "wave", '{"hand": "left"}')])])
    store.append_turns("s1", [Turn(Role.PLAYER, "bye", "i2", 12), Turn(Role.CHARACTER, "farewell", "i2", 13)])


def test_characters_sessions_and_turns(store):
    _fill(store)
    assert [c.id for c in store.list_characters()] == ["c0", "c1"]
    assert store.get_character("c1") == Character(id="c1", name="Greta", knowledge=["iron"], deflections=["Hmph."])
    session = store.get_session("s1")
    assert (session.character_id, session.player_id, session.created_at_ms) == ("c1", "p1", 5)
    assert [(t.role, t.text, t.interaction_id, t.created_at_ms) for t in session.turns] == [
        (Role.PLAYER, "hi", "i1", 10), (Role.CHARACTER, "hello", "i1", 11),
        (Role.PLAYER, "bye", "i2", 12), (Role.CHARACTER, "farewell", "i2", 13)]
    assert session.turns[0].event == GameEvent("door", "opened", {"by": "p1"})
    assert session.turns[1].emotion == Emotion("happy", 0.7)
    assert session.turns[1].actions == [ActionCall("a1", "wave", '{"hand": "left"}')]


def test_upsert_replaces_and_delete_cascades(store):
    _fill(store)
    store.upsert_character(Character(id="c1", name="Greta the Bold"))
    assert store.get_character("c1").name == "Greta the Bold"
    assert store.get_session("s1") is not None  # replacing a character keeps its sessions
    assert store.delete_character("c1")
    assert store.get_session("s1") is None
    assert not store.delete_character("c1")
    assert [c.id for c in store.list_characters()] == ["c0"]


def test_unknown_ids_and_writes_to_what_is_gone(store):
    _fill(store)
    assert store.get_character("nope") is None and store.get_session("nope") is None
    with pytest.raises(NotFound, match="character 'nope'"):
        store.create_session(Session(id="s2", character_id="nope", player_id="p1"))
    assert store.delete_session("s1") and not store.delete_session("s1")
    with pytest.raises(NotFound, match="session 's1' was deleted"):
        store.append_turns("s1", [Turn(Role.PLAYER, "late", "i3")])
    assert store.get_session("s1") is None and store.get_character("c1") is not None


def _documents(texts: dict[str, list[str]], seed: int = 0):
    rng = np.random.default_rng(seed)
    return [(Document(doc_id, " ".join(parts), {"source": doc_id}), parts,
             rng.standard_normal((len(parts), 4)).astype(np.float32)) for doc_id, parts in texts.items()]


def test_knowledge_documents_passages_and_collections(store):
    docs = _documents({"mill": ["The mill burned.", "Nobody saw who."], "well": ["The well is dry."]})
    removed, added = store.upsert_documents("village", docs)
    assert removed == [] and len(added) == 3 and len(set(added)) == 3
    store.upsert_documents("castle", _documents({"gate": ["The gate is shut."]}, seed=1))
    assert store.list_collections() == [CollectionInfo("castle", 1, 1), CollectionInfo("village", 2, 3)]
    vectors = {key: (collection, v) for collection, key, v in store.passage_vectors()}
    assert np.array_equal(vectors[added[0]][1], docs[0][2][0]) and vectors[added[2]][0] == "village"
    passages = store.get_passages([added[1], 10_000])
    assert list(passages) == [added[1]]
    p = passages[added[1]]
    assert (p.collection, p.document_id, p.index, p.text, p.metadata) == (
        "village", "mill", 1, "Nobody saw who.", {"source": "mill"})
    removed, again = store.upsert_documents("village", _documents({"mill": ["The mill stands again."]}))
    assert sorted(removed) == sorted(added[:2]) and min(again) > max(added)  # keys are never reused
    deleted, keys = store.delete_documents("village", ["mill", "well", "ghost"])
    assert deleted == 2 and sorted(keys) == sorted(again + added[2:])
    assert store.list_collections() == [CollectionInfo("castle", 1, 1)]
    assert store.get_passages(keys) == {}


def test_memories_relationships_and_forgetting_a_player(store):
    _fill(store)
    store.create_session(Session(id="s9", character_id="c0", player_id="p2"))
    store.add_memories([MemoryItem("m1", "p1", "c1", "likes iron", 0.8, 100),
                        MemoryItem("m2", "p1", "c0", "owes 5 gold", 0.5, 50),
                        MemoryItem("m3", "p2", "c1", "a stranger", 0.2, 70)])
    assert [m.id for m in store.list_memories("p1")] == ["m2", "m1"]  # oldest first
    assert store.list_memories("p1", "c1") == [MemoryItem("m1", "p1", "c1", "likes iron", 0.8, 100)]
    assert store.delete_memory("m2") and not store.delete_memory("m2")
    assert store.get_relationship("p1", "c1") is None
    store.put_relationship(Relationship("p1", "c1", 0.5, -0.25, 3, 200))
    store.put_relationship(Relationship("p1", "c1", 0.6, -0.25, 4, 300))
    assert store.get_relationship("p1", "c1") == Relationship("p1", "c1", 0.6, -0.25, 4, 300)
    assert store.forget_player("p1") == (1, 1, 1)
    assert store.get_session("s1") is None and store.list_memories("p1") == []
    assert store.get_relationship("p1", "c1") is None
    assert store.get_session("s9") is not None and [m.id for m in store.list_memories("p2")] == ["m3"]
    assert store.forget_player("p1") == (0, 0, 0)
    assert store.delete_character("c1")  # the forgotten player's session is no longer among its sessions


def test_open_store_picks_redis_by_url_and_refuses_bad_ones(redis_server: RedisServer):
    opened = open_store(redis_server.url)
    assert isinstance(opened, RedisStore)
    opened.close()
    with pytest.raises(ConfigError, match="redis://127.0.0.1:6379/0"):
        RedisStore("redis://")
    with pytest.raises(ConfigError, match="cannot reach the Redis store"):
        RedisStore(f"redis://127.0.0.1:{redis_server.port + 1}/0")


def test_a_redis_restart_mid_run_loses_no_acknowledged_turn(tmp_path: Path):
    with RedisServer(tmp_path / "redis") as server:
        store = RedisStore(server.url)
        store.upsert_character(Character(id="c", name="Greta"))
        store.create_session(Session(id="s", character_id="c", player_id="p"))
        acknowledged: list[int] = []
        failed: list[str] = []
        stop = threading.Event()

        def writer() -> None:
            i = 0
            while not stop.is_set() and i < 5000:
                try:
                    store.append_turns("s", [Turn(Role.PLAYER, f"line {i}", f"i{i}"),
                                             Turn(Role.CHARACTER, f"reply {i}", f"i{i}")])
                    acknowledged.append(i)
                except Unavailable as exc:
                    failed.append(str(exc))
                i += 1

        thread = threading.Thread(target=writer)
        thread.start()
        while len(acknowledged) < 50:
            pass
        server.kill()  # SIGKILL mid-run: no shutdown save, AOF only
        server.start()
        count_at_restart = len(acknowledged)
        while len(acknowledged) < count_at_restart + 50 and thread.is_alive():
            pass
        stop.set()
        thread.join()
        turns = [t.text for t in store.get_session("s").turns]
        stored = [int(t.split()[1]) for t in turns[0::2]]
        assert set(acknowledged) <= set(stored)  # nothing acknowledged is lost
        assert len(stored) == len(set(stored))  # and no retried write was stored twice
        assert turns[1::2] == [f"reply {i}" for i in stored]  # each line with its reply, never half a turn
        store.close()


def test_an_unreachable_redis_answers_unavailable_and_nothing_is_lost(tmp_path: Path):
    with RedisServer(tmp_path / "redis") as server:
        store = RedisStore(server.url)
        store.upsert_character(Character(id="c", name="Greta"))
        server.kill()
        with pytest.raises(Unavailable, match="unreachable.*retry"):
            store.get_character("c")
        server.start()
        assert store.get_character("c").name == "Greta"
        store.close()


def test_lore_added_on_one_replica_is_found_on_another(redis_server: RedisServer):
    from npcbridge.knowledge.service import KnowledgeService

    prefix = f"k{uuid.uuid4().hex[:8]}:"
    replicas = [KnowledgeService(RedisStore(redis_server.url, prefix=prefix)) for _ in range(2)]
    for r in replicas:
        r.start()
    replicas[0].upsert_now("village", [Document("mill", "The old mill by the river burned down last winter.")])
    hits = replicas[1].search_now(["village"], "what happened to the mill?", 3)
    assert [h.document.id for h in hits] == ["mill"]
    replicas[1].upsert_now("village", [Document("well", "The village well has run dry.")])
    assert {h.document.id for h in replicas[0].search_now(["village"], "water well", 3)} == {"mill", "well"}
    for r in replicas:
        r.store.close()
