"""Host plumbing over real gRPC: handshake, health, reflection, auth, TLS, metrics,
error mapping and graceful stop."""

import asyncio
import subprocess
import threading
import time
import urllib.request

import grpc
import pytest
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from npcbridge import API_VERSION
from npcbridge._proto.v1 import avatar_pb2, avatar_pb2_grpc, moderation_pb2, moderation_pb2_grpc
from npcbridge.engine.scripted import ScriptedEngine
from npcbridge.testing import RunningHost, free_port, running_host, scripted_engine
from npcbridge.config import load_settings

from ..conftest import have


def test_server_info_handshake(scripted_host):
    info = scripted_host.client().info()
    assert info.api_version == API_VERSION == "1.0.0"
    assert info.capabilities.dialogue and info.capabilities.avatars
    assert info.capabilities.moderation and info.capabilities.streaming_moderation
    assert [m.kind for m in info.models] == ["dialogue", "moderation", "avatar"]
    assert info.models[0].kind == "dialogue" and info.models[0].backend == "scripted"
    assert info.limits.max_text_chars == 2000 and info.limits.max_concurrent_streams == 96  # max_batch 32 + max_queue 64


def test_reflection_lists_every_service(scripted_host):
    stub = reflection_pb2_grpc.ServerReflectionStub(scripted_host.client().channel)
    reply = next(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])))
    names = {s.name for s in reply.list_services_response.service}
    assert {"npcbridge.v1.Runtime", "npcbridge.v1.Dialogue", "npcbridge.v1.Avatars",
            "npcbridge.v1.Moderation", "grpc.health.v1.Health"} <= names


def test_services_not_served_say_unimplemented():
    with running_host(moderation=False, avatars=False) as host:
        with pytest.raises(grpc.RpcError) as err:
            list(avatar_pb2_grpc.AvatarsStub(host.client().channel).Generate(avatar_pb2.GenerateAvatarRequest()))
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED and "capabilities.avatars" in err.value.details()
        assert not host.client().info().capabilities.moderation
        with pytest.raises(grpc.RpcError) as err:
            moderation_pb2_grpc.ModerationStub(host.client().channel).Check(moderation_pb2.CheckRequest(text="hi"))
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED and "capabilities.moderation" in err.value.details()


class SlowStartEngine(ScriptedEngine):
    """Scripted engine whose start waits for a signal, like a model loading."""

    def __init__(self):
        base = scripted_engine()
        super().__init__(base._rules, base._default)
        self.release = asyncio.Event()

    async def start(self):
        await self.release.wait()
        await super().start()


def test_health_not_serving_until_model_loaded():
    engine = SlowStartEngine()
    host = RunningHost(load_settings(port=0, db=":memory:"), engine).start(wait_ready=False)
    try:
        client = host.client()
        assert client.health() == "NOT_SERVING"
        assert client.health("npcbridge.v1.Dialogue") == "NOT_SERVING"
        character = client.upsert_character(name="Early")
        session = client.create_session(character.id)
        with pytest.raises(grpc.RpcError) as err:
            client.say_text(session.id, "hello")
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE and "not ready" in err.value.details()
        host._loop.call_soon_threadsafe(engine.release.set)
        client.wait_serving(10)
        assert client.health("npcbridge.v1.Dialogue") == "SERVING"
        client.say_text(session.id, "hello")
    finally:
        host.stop()


def test_auth_token_required_except_health():
    with running_host(auth_token="s3cret") as host:
        anonymous = host.client()
        assert anonymous.health() == "SERVING"
        for token in (None, "wrong"):
            with pytest.raises(grpc.RpcError) as err:
                host.client(token).info()
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
            assert "authorization: Bearer" in err.value.details()
        with pytest.raises(grpc.RpcError) as err:
            list(host.client("wrong").say("ses_x", "hi"))
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert host.client("s3cret").info().capabilities.auth_required


@pytest.mark.skipif(not have("openssl"), reason="openssl CLI needed to make a test certificate")
def test_tls(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    with running_host(tls_cert=cert, tls_key=key, http=True) as host:
        info = host.client(tls_ca=cert).info()
        assert info.capabilities.tls
        with pytest.raises(grpc.RpcError):
            host.client(timeout_s=2).info()  # plaintext client cannot talk to a TLS host
        # The HTTP face serves the same certificate.
        import httpx

        url = host.http_url.replace("http://", "https://") + "/v1/Runtime/GetServerInfo"
        assert httpx.post(url, json={}, verify=str(cert)).json()["capabilities"]["tls"] is True
        with pytest.raises(httpx.HTTPError):
            httpx.post(host.http_url + "/v1/Runtime/GetServerInfo", json={}, timeout=2)


class ExplodingEngine(ScriptedEngine):
    async def generate(self, request):
        raise RuntimeError("secret internal detail")
        yield  # pragma: no cover


def test_unexpected_errors_are_internal_without_traceback():
    base = scripted_engine()
    engine = ExplodingEngine(base._rules, base._default)
    with running_host(engine=engine) as host:
        client = host.client()
        character = client.upsert_character(name="X")
        session = client.create_session(character.id)
        with pytest.raises(grpc.RpcError) as err:
            client.say_text(session.id, "hi")
        assert err.value.code() == grpc.StatusCode.INTERNAL
        assert "incident" in err.value.details() and "secret" not in err.value.details()
        assert "Traceback" not in err.value.details()
        assert client.health() == "SERVING"


def test_metrics_endpoint():
    port = free_port()
    with running_host(metrics_port=port) as host:
        client = host.client()
        character = client.upsert_character(name="M")
        session = client.create_session(character.id)
        client.say_text(session.id, "hello")
        with pytest.raises(grpc.RpcError):
            client.get_session("ses_missing")
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert 'npcbridge_requests_total{code="OK",method="/npcbridge.v1.Dialogue/Say"}' in text
    assert 'code="NOT_FOUND",method="/npcbridge.v1.Dialogue/GetSession"' in text
    for name in ["npcbridge_active_streams", "npcbridge_queue_depth", "npcbridge_tokens_generated_total",
                 "npcbridge_time_to_first_token_seconds_bucket"]:
        assert name in text


def test_graceful_stop_lets_streams_finish_then_cancels_with_a_message():
    host = RunningHost(load_settings(port=0, db=":memory:"), scripted_engine(token_delay_ms=30)).start()
    client = host.client()
    character = client.upsert_character(name="G")
    session = client.create_session(character.id)
    short = client.say(session.id, "hello")             # ~6 tokens: finishes within the grace
    long = client.say(session.id, "tell me a story")    # 200 tokens: does not
    assert next(short).WhichOneof("event") == "started"
    assert next(long).WhichOneof("event") == "started"
    results = {}

    def drain(name, call):
        try:
            results[name] = [e.WhichOneof("event") for e in call][-1]
        except grpc.RpcError as exc:
            results[name] = (exc.code(), exc.details())

    threads = [threading.Thread(target=drain, args=a) for a in (("short", short), ("long", long))]
    for t in threads:
        t.start()
    time.sleep(0.05)
    host.stop(grace_s=1.0)
    for t in threads:
        t.join(10)
    assert results["short"] == "completed"
    code, details = results["long"]
    assert code == grpc.StatusCode.UNAVAILABLE and "shutting down" in details
