"""Three host replicas sharing a real redis-server behind a real HAProxy, all on
127.0.0.1: 48 sessions of 8 characters, one replica SIGKILLed mid-run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import grpc
import pytest

from npcbridge.testing.fleet import Fleet
from npcbridge.transport.client import HostClient

pytestmark = pytest.mark.skipif(not Fleet.available(), reason=Fleet.missing())

SCRIPT = """
default: "You said {text}. Let me think about that for a while, traveller, because it deserves a long and careful answer from someone like me."
token_delay_ms: 40
"""


def say_round(client: HostClient, sessions: list[str], label: str) -> dict[str, tuple[str, str, str]]:
    """Every session says one line at once; session -> (line, outcome, replica).
    outcome: the reply text, or the gRPC status name of the error."""
    out: dict[str, tuple[str, str, str]] = {}
    lock = threading.Lock()

    def one(session: str) -> None:
        line = f"{label} from {session}"
        call = client.say(session, line)
        replica = ""
        try:
            replica = dict(call.initial_metadata()).get("x-npc-replica", "")
            reply = next(e.completed.text for e in call if e.WhichOneof("event") == "completed")
            result = (line, reply, replica)
        except grpc.RpcError as exc:
            result = (line, exc.code().name, replica)
        with lock:
            out[session] = result

    threads = [threading.Thread(target=one, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_a_replica_killed_mid_run_loses_no_acknowledged_turn(tmp_path: Path):
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)
    with Fleet(tmp_path / "fleet", 3, ["--backend", "scripted", "--script", str(script), "--no-moderation"],
               check_interval_ms=500) as fleet, HostClient(fleet.address) as client:
        characters = [client.upsert_character(id=f"npc{i}", name=f"Villager {i}").id for i in range(8)]
        sessions = [client.create_session(characters[i % 8], f"player{i}").id for i in range(48)]
        character_of = {s: characters[i % 8] for i, s in enumerate(sessions)}

        first = say_round(client, sessions, "round 1")
        assert all(not outcome.isupper() for _, outcome, _ in first.values()), first
        replica_of = {}
        for session, (_, _, replica) in first.items():
            # One character's calls land on one replica (consistent hashing on x-npc-character).
            assert replica_of.setdefault(character_of[session], replica) == replica
        assert len(set(replica_of.values())) >= 2  # the characters are spread over the replicas
        victim = replica_of[characters[0]]

        rounds: dict[str, dict] = {}
        runner = threading.Thread(target=lambda: rounds.update(second=say_round(client, sessions, "round 2")))
        runner.start()
        time.sleep(0.8)  # replies take ~1 s: every stream is in flight
        fleet.kill(int(victim[1:]) - 1)
        killed_at = time.monotonic()
        runner.join()
        marked_down = fleet.wait_states({victim: "DOWN"}) + (time.monotonic() - killed_at)

        # Errors only for streams that were on the killed replica, and only UNAVAILABLE.
        errors = {s: outcome for s, (_, outcome, _) in rounds["second"].items() if outcome.isupper()}
        assert errors, "the kill came after every reply had finished"
        assert set(errors.values()) == {"UNAVAILABLE"}, errors
        assert all(replica_of[character_of[s]] == victim for s in errors)

        # New calls succeed at once: the balancer sends the victim's characters elsewhere.
        third = say_round(client, sessions, "round 3")
        assert all(not outcome.isupper() for _, outcome, _ in third.values()), third
        assert victim not in {replica for _, _, replica in third.values()}

        # Every session is readable from the others, and no acknowledged turn is lost.
        lost = 0
        for session in sessions:
            stored = [(t.role, t.text) for t in client.get_session(session).turns]
            for results in (first, rounds["second"], third):
                line, outcome, _ = results[session]
                if not outcome.isupper():
                    lost += (1, line) not in stored or (2, outcome) not in stored
        assert lost == 0
        assert marked_down < 5.0  # two failed checks at 0.5 s, plus HAProxy's timeouts


def test_sigterm_drains_a_replica_without_failing_its_streams(tmp_path: Path):
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)
    with Fleet(tmp_path / "fleet", 2, ["--backend", "scripted", "--script", str(script), "--no-moderation",
                                       "--grace-period", "10"], check_interval_ms=300) as fleet, \
            HostClient(fleet.address) as client:
        characters = [client.upsert_character(id=f"npc{i}", name=f"Villager {i}").id for i in range(6)]
        sessions = [client.create_session(characters[i % 6], f"player{i}").id for i in range(12)]
        first = say_round(client, sessions, "before")
        victim = first[sessions[0]][2]
        results: dict[str, dict] = {}
        runner = threading.Thread(target=lambda: results.update(during=say_round(client, sessions, "during")))
        runner.start()
        time.sleep(0.5)
        proc = fleet.terminate(int(victim[1:]) - 1)
        fleet.wait_states({victim: "DOWN"})  # NOT_SERVING first: the balancer takes it out while it still serves
        after = say_round(client, sessions, "after")  # new calls during the drain go to the other replica
        runner.join()
        assert proc.wait(timeout=30) == 0
        assert all(not outcome.isupper() for _, outcome, _ in results["during"].values()), results
        assert all(not outcome.isupper() and replica != victim for _, outcome, replica in after.values()), after
        assert "draining" in fleet.log(int(victim[1:]) - 1)
