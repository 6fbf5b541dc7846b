"""deploy/: the balancer configurations are what `npcbridge deploy` generates and pass
HAProxy's and nginx's own checks; the compose file and Kubernetes manifests pass
offline schema checks (compose-spec; Kubernetes' OpenAPI schemas)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from npcbridge.fleet.balancer import Balancer

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE_REPLICAS = ["npc-1:50051", "npc-2:50051", "npc-3:50051"]


def test_deploy_configs_are_the_generated_ones():
    assert (DEPLOY / "haproxy.cfg").read_text() == Balancer("0.0.0.0:50050", COMPOSE_REPLICAS).haproxy()
    assert (DEPLOY / "nginx.conf").read_text() == Balancer("50050", COMPOSE_REPLICAS).nginx()
    assert (DEPLOY / "k8s" / "haproxy.cfg").read_text() == Balancer(
        "0.0.0.0:50050", [], dns="npcbridge-replicas:50051").haproxy()


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="needs Debian package haproxy")
@pytest.mark.parametrize("config", ["haproxy.cfg", "k8s/haproxy.cfg"])
def test_haproxy_accepts_the_configs(config):
    result = subprocess.run(["haproxy", "-c", "-f", str(DEPLOY / config)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs Debian package nginx-light")
def test_nginx_accepts_the_config(tmp_path: Path):
    # nginx resolves upstream names when it checks: the same configuration on loopback addresses.
    config = tmp_path / "nginx.conf"
    config.write_text(Balancer("127.0.0.1:50050", ["127.0.0.1:50061", "127.0.0.1:50062"]).nginx())
    result = subprocess.run(["nginx", "-t", "-c", str(config)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_compose_file_matches_the_compose_spec():
    result = subprocess.run(["check-jsonschema", "--builtin-schema", "vendor.compose-spec",
                             str(DEPLOY / "docker-compose.yml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_kubernetes_manifests_match_the_api_schemas():
    import kubernetes_validate

    documents = [d for f in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in yaml.safe_load_all(f.read_text())]
    assert {d["kind"] for d in documents} >= {"Deployment", "Service", "PersistentVolumeClaim"}
    for document in documents:
        kubernetes_validate.validate(document, "1.30", strict=True)
    hosts = next(d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "npcbridge")
    container = hosts["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["grpc"]["port"] == 50051  # ready = gRPC health SERVING
    broken = {**hosts, "spec": {**hosts["spec"], "replicas": "three"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, "1.30", strict=True)


def test_the_cli_prints_a_config(tmp_path: Path):
    from typer.testing import CliRunner

    from npcbridge.cli import app

    result = CliRunner().invoke(app, ["deploy", "haproxy", "--replica", "127.0.0.1:50061", "--replica", "bad"])
    assert result.exit_code != 0 and "host:port" in result.output
    result = CliRunner().invoke(app, ["deploy", "haproxy", "--replica", "127.0.0.1:50061"])
    assert result.exit_code == 0 and "server r1 127.0.0.1:50061" in result.output
