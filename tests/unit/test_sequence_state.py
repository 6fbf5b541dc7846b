"""A request's state in the engine changes in one place: ``engine/sequence.py``."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

import npcbridge.engine as engine_pkg
from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.sequence import Sequence

STATE = {f.name for f in fields(Sequence)} - {"request_id", "prompt", "params", "priority"}
MUTATORS = {"append", "extend", "insert", "pop", "clear", "remove"}


def _outside_changes(path: Path) -> list[str]:
    """Assignments to a Sequence state field (or in-place list changes of its tokens)
    on anything but ``self``, in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in MUTATORS and isinstance(node.func.value, ast.Attribute)):
            targets = [node.func.value]
        for t in targets:
            if (isinstance(t, ast.Attribute) and t.attr in STATE
                    and not (isinstance(t.value, ast.Name) and t.value.id == "self")):
                found.append(f"{path.name}:{node.lineno} changes .{t.attr}")
    return found


def test_only_the_sequence_module_changes_a_requests_state():
    package = Path(engine_pkg.__file__).parent
    changes = [c for p in sorted(package.glob("*.py")) if p.name != "sequence.py" for c in _outside_changes(p)]
    assert changes == []


def test_the_check_sees_an_outside_change(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(seq):\n    seq.computed += 3\n    seq.tokens.append(1)\n    seq.slot = -1\n")
    assert len(_outside_changes(bad)) == 3


def test_transitions_keep_the_request_consistent():
    seq = Sequence("r", [1, 2, 3, 4], SamplingParams(5, 0.0, 1.0))
    assert seq.slot == -1 and seq.prefilling and seq.pending == 4
    seq.admit(2)
    assert seq.slot == 2 and seq.admitted is not None
    with pytest.raises(ValueError):
        seq.reuse_prefix(4)  # the last prompt token must be computed: its logits give the first reply token
    seq.reuse_prefix(3)
    assert seq.computed == seq.cached == 3 and seq.pending == 1
    with pytest.raises(ValueError):
        seq.computed_more(2)
    seq.computed_more(1)
    seq.append(9)
    assert seq.generated == 1 and not seq.prefilling and seq.pending == 1
    seq.enter_tail(matcher="m")
    assert seq.in_tail and seq.tail_from == 1
    seq.hold()
    assert seq.leave() == 2 and seq.slot == -1 and not seq.held
