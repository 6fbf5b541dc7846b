from pathlib import Path

import pytest

from npcbridge.config import load_settings
from npcbridge.errors import ConfigError


def test_defaults_bind_loopback():
    s = load_settings()
    assert s.host == "127.0.0.1" and s.port == 50051
    assert s.model == "smollm2-135m-instruct"


def test_precedence_defaults_toml_env_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    toml = tmp_path / "npcbridge.toml"
    toml.write_text('port = 6000\nmax_text_chars = 99\nmodel = "from-toml/x"\nlog_level = "debug"\n')
    monkeypatch.setenv("NPCBRIDGE_PORT", "7000")
    monkeypatch.setenv("NPCBRIDGE_MODEL", "from-env/x")
    s = load_settings(toml, model="from-cli/x")
    assert s.max_text_chars == 99          # TOML over default
    assert s.port == 7000                  # env over TOML
    assert s.model == "from-cli/x"         # CLI over env
    assert s.log_level == "debug"
    assert s.max_new_tokens == 512         # default


def test_config_file_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    toml = tmp_path / "c.toml"
    toml.write_text("max_concurrent_streams = 3\n")
    monkeypatch.setenv("NPCBRIDGE_CONFIG", str(toml))
    assert load_settings().max_concurrent_streams == 3


def test_missing_config_file_is_clear(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_bad_values_are_config_errors():
    with pytest.raises(ConfigError, match="max_text_chars"):
        load_settings(max_text_chars=0)
    with pytest.raises(ConfigError, match="tls_cert and tls_key"):
        load_settings(tls_cert=Path("a.pem"))
    with pytest.raises(ConfigError, match="--script"):
        load_settings(backend="scripted")


def test_non_loopback_needs_token_or_insecure(tmp_path: Path):
    with pytest.raises(ConfigError, match="--auth-token"):
        load_settings(host="0.0.0.0").check_bind_policy()
    load_settings(host="0.0.0.0", auth_token="s3cret").check_bind_policy()
    load_settings(host="0.0.0.0", insecure=True).check_bind_policy()
    load_settings(host="::1").check_bind_policy()
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    s = load_settings(host="0.0.0.0", auth_token_file=token_file)
    assert s.token() == "from-file"
    s.check_bind_policy()


def test_default_max_tokens_capped_by_limit():
    assert load_settings(max_new_tokens=16).default_max_tokens == 16
