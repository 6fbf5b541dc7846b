"""The adversarial avatar training on tiny data: the projection discriminator reads the
labels, a few steps run with R1 and EMA, checkpoints load back, and a seed reproduces it."""

from __future__ import annotations

import torch

from npcbridge.avatar.adversarial import (
    LABEL_SIZES,
    AdversarialConfig,
    render_expression_dataset,
    train_adversarial,
    train_recipe,
)
from npcbridge.avatar.checkpoint import load_generator
from npcbridge.avatar.discriminator import ProjectionDiscriminator
from npcbridge.avatar.expressions import EXPRESSIONS


def test_the_dataset_has_every_expression_as_a_label_column():
    data = render_expression_dataset(14, seed=3, size=16, workers=1)
    assert data.images.shape == (14, 16, 16, 3) and data.labels.shape == (14, len(LABEL_SIZES))
    assert set(data.labels[:, -1]) == set(range(len(EXPRESSIONS)))
    again = render_expression_dataset(14, seed=3, size=16, workers=1)
    assert (again.images == data.images).all()


def test_the_discriminator_scores_images_given_their_labels():
    torch.manual_seed(0)
    disc = ProjectionDiscriminator(16, LABEL_SIZES)
    images = torch.randn(4, 3, 16, 16)
    labels = torch.zeros(4, len(LABEL_SIZES), dtype=torch.long)
    other = labels.clone()
    other[:, -1] = 3
    scores = disc(images, labels)
    assert scores.shape == (4,) and torch.isfinite(scores).all()
    assert not torch.allclose(scores, disc(images, other))  # the expression label changes the score


def test_a_few_adversarial_steps_run_checkpoint_and_reproduce(tmp_path):
    data = render_expression_dataset(16, seed=1, size=16, workers=1)
    config = AdversarialConfig(steps=4, batch=4, r1_every=2, checkpoint_every=2, warmup=1)
    logs = []
    ema = train_adversarial(data, config, seed=5, out=tmp_path / "g.pt", log=logs.append)
    loaded = load_generator(tmp_path / "g.pt")
    assert loaded.attribute_sizes == LABEL_SIZES
    z = torch.from_numpy(data.latents[:2])
    labels = torch.from_numpy(data.labels[:2])
    with torch.no_grad():
        out = ema(z, labels)
        assert out.shape == (2, 3, 16, 16) and torch.isfinite(out).all()
        assert torch.allclose(loaded(z, labels), out, atol=2e-2)  # saved in fp16
    again = train_adversarial(data, config, seed=5, log=lambda _: None)
    for a, b in zip(ema.parameters(), again.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-5)  # threads may sum in another order
    assert logs and "adversarial step 4/4" in logs[-1]


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    data = render_expression_dataset(16, seed=1, size=16, workers=1)
    whole = train_adversarial(data, AdversarialConfig(steps=4, batch=4, r1_every=2, checkpoint_every=2, warmup=1),
                              seed=5, log=lambda _: None)
    logs = []
    train_adversarial(data, AdversarialConfig(steps=2, batch=4, r1_every=2, checkpoint_every=2, warmup=1), seed=5,
                      out=tmp_path / "g.pt", log=logs.append)
    assert (tmp_path / "g.pt.state").is_file()
    resumed = train_adversarial(data, AdversarialConfig(steps=4, batch=4, r1_every=2, checkpoint_every=2, warmup=1),
                                seed=5, out=tmp_path / "g.pt", log=logs.append)
    assert any("resuming at step 3" in line for line in logs)
    for a, b in zip(whole.parameters(), resumed.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-5)  # the same run as one without the stop


def test_the_recipe_renders_trains_and_writes_the_generator(tmp_path):
    logs = []
    train_recipe(tmp_path / "g.pt", images=8, size=16, workers=1, log=logs.append,
                 config=AdversarialConfig(steps=2, batch=4, r1_every=2, checkpoint_every=1, warmup=1))
    assert load_generator(tmp_path / "g.pt").size == 16 and (tmp_path / "g.pt.state").is_file()
    assert (tmp_path / "g.pt.guide").is_file()  # the label guide, reused when the run resumes
    assert logs[0] == "rendering 8 portraits at 16px with expressions" and "done in" in logs[-1]
