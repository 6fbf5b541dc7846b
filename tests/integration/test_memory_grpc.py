"""The Memory service through gRPC: memories kept from conversations, recalled in a
new session, relationships that move and can be set, ForgetPlayer leaving no trace
in the database, and every bad input."""

from __future__ import annotations

import sqlite3

import grpc
import pytest

from npcbridge.testing import running_host


def code_of(call):
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value.code()


def say(client, session_id, text):
    return client.say_text(session_id, text)[1]


def test_memories_are_kept_recalled_and_forgotten(tmp_path):
    db = tmp_path / "memory.db"
    with running_host(db=str(db)) as host:
        client = host.client()
        greta = client.upsert_character(name="Greta", persona="A smith.")
        first = client.create_session(greta.id, "rowan-1")
        say(client, first.id, "Hello! My name is Rowan and I come from Greyhaven.")
        say(client, first.id, "I promise to bring you a dragon scale.")
        texts = [m.text for m in client.list_memories("rowan-1", greta.id)]
        assert "The player's name is Rowan." in texts
        assert any("Greyhaven" in t for t in texts) and any("dragon scale" in t for t in texts)
        relation = client.get_relationship("rowan-1", greta.id)
        assert relation.interactions == 2
        # A new session of the same player and character starts with them.
        memories, _ = host.host.memory.recall("rowan-1", greta.id)
        assert memories[0] == "The player's name is Rowan."  # the most important first
        assert host.host.memory.recall("someone-else", greta.id) == ([], "")
        added = client.add_memory("rowan-1", greta.id, "The player helped put out the forge fire.", 0.7)
        assert added.id.startswith("mem_")
        client.delete_memory(added.id)
        set_to = client.set_relationship("rowan-1", greta.id, affinity=0.8, trust=-0.5)
        assert set_to.affinity == pytest.approx(0.8) and set_to.interactions == 2
        assert "You like this player" in host.host.memory.recall("rowan-1", greta.id)[1]
        second = client.create_session(greta.id, "rowan-1")
        say(client, second.id, "Do you remember me?")
        gone = client.forget_player("rowan-1")
        assert (gone.sessions, gone.relationships) == (2, 1) and gone.memories >= 3
        assert not client.list_memories("rowan-1")
    with sqlite3.connect(db) as con:  # no trace left in the database
        for table, column in [("sessions", "player_id"), ("memories", "player_id"), ("relationships", "player_id")]:
            assert con.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = 'rowan-1'").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM turns WHERE text LIKE '%Rowan%'").fetchone()[0] == 0


def test_bad_memory_inputs():
    with running_host() as host:
        client = host.client()
        greta = client.upsert_character(name="Greta")
        invalid = grpc.StatusCode.INVALID_ARGUMENT
        assert code_of(lambda: client.add_memory("p", greta.id, "x", importance=2.0)) == invalid
        assert code_of(lambda: client.add_memory("p", greta.id, " ")) == invalid
        assert code_of(lambda: client.add_memory("", greta.id, "x")) == invalid
        assert code_of(lambda: client.add_memory("p", "nobody", "x")) == grpc.StatusCode.NOT_FOUND
        assert code_of(lambda: client.delete_memory("mem_nothing")) == grpc.StatusCode.NOT_FOUND
        assert code_of(lambda: client.set_relationship("p", greta.id, 1.5, 0)) == invalid
        assert code_of(lambda: client.forget_player("")) == invalid
        assert client.forget_player("never-seen").sessions == 0
        info = client.info()
        assert info.capabilities.memory
