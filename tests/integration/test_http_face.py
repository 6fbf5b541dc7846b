"""The HTTP face against a real host: unary JSON, Say over SSE and WebSocket, the
OpenAPI document, and every bad input (status + gRPC code name + message)."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from websockets.sync.client import connect

from npcbridge.testing import running_host, scripted_engine
from npcbridge.transport.servicers import build_services


@pytest.fixture(scope="module")
def host():
    with running_host(http=True, engine=scripted_engine(token_delay_ms=5)) as running:
        yield running


def post(host, path: str, body=None, **kwargs) -> httpx.Response:
    return httpx.post(host.http_url + path, json=body if body is not None else {}, timeout=30, **kwargs)


def session_for(host) -> str:
    character = post(host, "/v1/Dialogue/UpsertCharacter", {"character": {"name": "Greta", "persona": "A smith."}})
    assert character.status_code == 200, character.text
    session = post(host, "/v1/Dialogue/CreateSession", {"characterId": character.json()["id"], "playerId": "p1"})
    return session.json()["id"]


def sse_events(response: httpx.Response) -> list[dict]:
    return [json.loads(line[len("data: "):]) for line in response.iter_lines() if line.startswith("data: ")]


def test_unary_rpcs_speak_canonical_json(host):
    info = post(host, "/v1/Runtime/GetServerInfo")
    assert info.status_code == 200 and info.json()["capabilities"]["dialogue"] is True
    assert info.json()["limits"]["maxMessageBytes"] > 0  # lowerCamelCase names
    session_id = session_for(host)
    snake = post(host, "/v1/Dialogue/GetSession", {"id": session_id})  # proto names are accepted too
    assert snake.json()["playerId"] == "p1" and isinstance(snake.json()["createdAtMs"], str)  # int64 as string
    proto = post(host, "/v1/Dialogue/GetSession", {"id": session_id}, headers={"x-json-names": "proto"})
    assert proto.json()["player_id"] == "p1" and "created_at_ms" in proto.json()
    assert proto.json()["turns"] == []  # every field present, for generated classes


def test_say_streams_as_server_sent_events_and_is_stored(host):
    session_id = session_for(host)
    with httpx.stream("POST", host.http_url + "/v1/Dialogue/Say", json={"sessionId": session_id, "text": "Hello"},
                      timeout=30) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    assert "started" in events[0] and "completed" in events[-1]
    text = "".join(e["textDelta"]["text"] for e in events if "textDelta" in e)
    assert text == events[-1]["completed"]["text"] and text
    turns = post(host, "/v1/Dialogue/GetSession", {"id": session_id}).json()["turns"]
    assert [t["text"] for t in turns] == ["Hello", text]


def test_say_over_websocket_with_cancel(host):
    session_id = session_for(host)
    with connect(host.http_url.replace("http", "ws") + "/v1/Dialogue/Say/ws") as socket:
        socket.send(json.dumps({"sessionId": session_id, "text": "Hello"}))
        frames = []
        while not frames or not ({"done", "error", "cancelled"} & frames[-1].keys()):
            frames.append(json.loads(socket.recv(timeout=30)))
        assert frames[-1] == {"done": True} and "completed" in frames[-2]
        # The same socket carries the next call; cancel it after its first text.
        socket.send(json.dumps({"sessionId": session_id, "text": "tell me a story"}))
        while "textDelta" not in json.loads(socket.recv(timeout=30)):
            pass
        socket.send(json.dumps({"cancel": True}))
        while (last := json.loads(socket.recv(timeout=30))) not in ({"cancelled": True}, {"done": True}):
            pass
        assert last == {"cancelled": True}
        socket.send(json.dumps({"sessionId": "nope", "text": "Hello"}))
        assert json.loads(socket.recv(timeout=30))["error"]["code"] == "NOT_FOUND"
    turns = post(host, "/v1/Dialogue/GetSession", {"id": session_id}).json()["turns"]
    assert len(turns) == 2  # the cancelled reply stored nothing, as on gRPC


def test_sse_client_that_leaves_stops_the_generation(host):
    session_id = session_for(host)
    dialogue = host.host.dialogue
    with httpx.stream("POST", host.http_url + "/v1/Dialogue/Say",
                      json={"sessionId": session_id, "text": "tell me a story", "params": {"maxTokens": 200}},
                      timeout=30) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if "textDelta" in line:
                break
    deadline = time.monotonic() + 5
    while dialogue._active and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not dialogue._active, "the stream kept generating after its client left"
    assert post(host, "/v1/Dialogue/GetSession", {"id": session_id}).json().get("turns", []) == []
    assert post(host, "/v1/Runtime/GetServerInfo").status_code == 200  # still serving


@pytest.mark.parametrize("body, status, code, named", [
    (b"{bad json", 400, "INVALID_ARGUMENT", "not a valid npcbridge.v1.GetSessionRequest"),
    (b'{"id": 5}', 400, "INVALID_ARGUMENT", "id field"),
    (b'{"idx": "a"}', 400, "INVALID_ARGUMENT", 'no field named "idx"'),
    (b'{"id": "missing"}', 404, "NOT_FOUND", "does not exist"),
    (b"\xff\xfe", 400, "INVALID_ARGUMENT", "UTF-8"),
])
def test_bad_bodies_get_a_status_a_code_and_a_message(host, body, status, code, named):
    reply = httpx.post(host.http_url + "/v1/Dialogue/GetSession", content=body, timeout=30)
    assert reply.status_code == status
    assert reply.json()["code"] == code and named in reply.json()["message"]


def test_bad_routes_sizes_and_streams(host):
    assert post(host, "/v1/Dialogue/Nope").json()["code"] == "UNIMPLEMENTED"
    assert httpx.get(host.http_url + "/v1/Dialogue/Say").status_code == 405
    assert httpx.get(host.http_url + "/nowhere").json()["code"] == "NOT_FOUND"
    too_big = "x" * (host.settings.max_message_bytes + 10)
    reply = post(host, "/v1/Moderation/Check", {"text": too_big})
    assert reply.status_code == 413 and reply.json()["code"] == "RESOURCE_EXHAUSTED"
    assert "max_message_bytes" in reply.json()["message"]
    session_id = session_for(host)
    reply = post(host, "/v1/Dialogue/Say", {"sessionId": session_id, "text": "x" * 5000})
    assert reply.status_code == 400 and reply.json()["code"] == "INVALID_ARGUMENT"  # before any event
    assert post(host, "/v1/Runtime/GetServerInfo").status_code == 200


def test_openapi_lists_every_rpc_from_the_descriptors(host):
    document = httpx.get(host.http_url + "/openapi.json").json()
    expected = {f"/v1/{s.descriptor.name}/{m.name}" for s in build_services(host.host) for m in s.descriptor.methods}
    assert set(document["paths"]) == expected
    say = document["paths"]["/v1/Dialogue/Say"]["post"]
    assert "text/event-stream" in say["responses"]["200"]["content"]
    schema = document["components"]["schemas"]["npcbridge.v1.SayRequest"]["properties"]
    assert schema["sessionId"] == {"type": "string"} and schema["allowedActions"]["type"] == "array"


def test_token_cors_and_health():
    with running_host(http=True, auth_token="s3cret", cors_origins=["http://studio.test"]) as host:
        url = host.http_url + "/v1/Runtime/GetServerInfo"
        missing = httpx.post(url, json={})
        assert missing.status_code == 401 and missing.json()["code"] == "UNAUTHENTICATED"
        assert "missing credentials" in missing.json()["message"]
        wrong = httpx.post(url, json={}, headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "wrong credentials" in wrong.json()["message"]
        assert httpx.post(url, json={}, headers={"authorization": "Bearer s3cret"}).status_code == 200
        ws = host.http_url.replace("http", "ws") + "/v1/Dialogue/Say/ws"
        with connect(ws) as socket:
            assert json.loads(socket.recv(timeout=10))["error"]["code"] == "UNAUTHENTICATED"
        with connect(ws + "?access_token=s3cret") as socket:
            socket.send(json.dumps({"sessionId": "nope", "text": "hi"}))
            assert json.loads(socket.recv(timeout=10))["error"]["code"] == "NOT_FOUND"
        preflight = httpx.options(url, headers={"origin": "http://studio.test", "access-control-request-method": "POST",
                                                "access-control-request-headers": "authorization,content-type"})
        assert preflight.headers["access-control-allow-origin"] == "http://studio.test"
        other = httpx.options(url, headers={"origin": "http://evil.test", "access-control-request-method": "POST"})
        assert other.headers.get("access-control-allow-origin") != "http://evil.test"
        assert httpx.get(host.http_url + "/healthz").json() == {"status": "SERVING"}


def test_faces_bench_measures_every_face():
    from rich.console import Console

    from npcbridge.bench.faces import run_faces_bench

    figures = run_faces_bench(Console(file=open("/dev/null", "w")), [2], 8, 1, scripted=True)
    faces = figures["sessions"][2]
    assert set(faces) == {"gRPC", "HTTP+SSE", "WebSocket"}
    assert all(f["events"] >= 2 * 3 and f["ttft_p50_ms"] > 0 for f in faces.values())


def test_python_http_client(host):
    from npcbridge.transport.http_client import HttpCallError, HttpHostClient

    client = HttpHostClient(host.http_url)
    session_id = session_for(host)
    messages = list(client.say({"sessionId": session_id, "text": "Hello"}))
    assert "completed" in messages[-1]
    with pytest.raises(HttpCallError) as err:
        client.call("Dialogue", "GetSession", {"id": "missing"})
    assert err.value.code == "NOT_FOUND"
    with pytest.raises(HttpCallError):
        list(client.say({"sessionId": "missing", "text": "Hello"}))
    socket = client.websocket()
    assert "completed" in list(socket.call({"sessionId": session_id, "text": "Hello again"}))[-1]
    with pytest.raises(HttpCallError) as err:
        list(socket.call({"sessionId": session_id, "text": "x" * 5000}))
    assert err.value.code == "INVALID_ARGUMENT"
    socket.close()
    client.close()


def test_the_http_socket_sends_small_answers_at_once():
    """TCP_NODELAY on the listener (inherited by each connection): without it every answer on a
    kept-alive connection waited for the client's delayed ACK (~40 ms, seen from Mono's HttpClient)."""
    import socket

    from npcbridge.transport.http_server import bind

    sock = bind("127.0.0.1", 0)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        sock.close()


def test_busy_say_answers_429_with_retry_after():
    with running_host(http=True, engine=scripted_engine(token_delay_ms=20), max_concurrent_streams=1) as busy:
        held = busy.client().say(session_for(busy), "tell me a story")  # holds the only stream
        assert next(held).WhichOneof("event") == "started"
        refused = post(busy, "/v1/Dialogue/Say", {"sessionId": session_for(busy), "text": "hello"})
        held.cancel()
        assert refused.status_code == 429 and refused.json()["code"] == "RESOURCE_EXHAUSTED"
        assert int(refused.headers["Retry-After"]) >= 1 and refused.json()["retry_after_ms"] >= 250
