"""The label guide of the adversarial avatar training: a classifier of the training renders
whose classification and perceptual terms reach the generator's weights, saved beside the
run so a resumed run reuses it."""

from __future__ import annotations

import torch

from npcbridge.avatar.adversarial import LABEL_SIZES, AdversarialConfig, render_expression_dataset, train_adversarial
from npcbridge.avatar.classifier import to_tensor
from npcbridge.avatar.guide import GuideLoss, guide_path, load_or_train_guide


def _data():
    return render_expression_dataset(16, seed=1, size=16, workers=1)


def test_the_guide_terms_are_zero_perceptual_for_the_render_itself_and_reach_the_fake(tmp_path):
    data = _data()
    logs = []
    guide = load_or_train_guide(tmp_path / "g.pt", data, list(LABEL_SIZES), seed=0, log=logs.append)
    assert guide_path(tmp_path / "g.pt").is_file() and "training the label guide" in logs[0]
    again = load_or_train_guide(tmp_path / "g.pt", data, list(LABEL_SIZES), seed=0, log=logs.append)
    assert "label guide from" in logs[-1] and again.attribute_sizes == LABEL_SIZES
    loss = GuideLoss(guide)
    real, labels = to_tensor(data.images[:4]), torch.from_numpy(data.labels[:4])
    classification, perceptual = loss(real, real, labels)
    assert float(perceptual) == 0.0 and torch.isfinite(classification)
    fake = torch.randn_like(real, requires_grad=True)
    classification, perceptual = loss(fake, real, labels)
    (classification + perceptual).backward()
    assert float(perceptual.detach()) > 0 and fake.grad is not None and fake.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in guide.parameters())  # frozen: only the generator learns


def test_the_guide_changes_the_generator_from_its_step_on(tmp_path):
    data = _data()
    guide = GuideLoss(load_or_train_guide(None, data, list(LABEL_SIZES), seed=0, log=lambda _: None))
    config = dict(steps=3, batch=4, r1_every=2, checkpoint_every=10, warmup=1)
    plain = train_adversarial(data, AdversarialConfig(**config), seed=5, log=lambda _: None)
    late = train_adversarial(data, AdversarialConfig(**config, guide_from=10), seed=5, log=lambda _: None, guide=guide)
    logs = []
    guided = train_adversarial(data, AdversarialConfig(**config, guide_from=2), seed=5, log=logs.append, guide=guide)
    same = all(torch.allclose(a, b, atol=1e-5) for a, b in zip(plain.parameters(), late.parameters(), strict=True))
    changed = any(not torch.allclose(a, b, atol=1e-5) for a, b in zip(plain.parameters(), guided.parameters(),
                                                                        strict=True))
    assert same and changed
    assert "guide " in logs[-1]
