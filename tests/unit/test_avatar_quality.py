"""The measures of `eval avatars` mean what they say: blur lowers the Laplacian variance,
KID is near zero for one distribution and grows with a shift, the identity ratio is small
when expressions move a face less than seeds do."""

from __future__ import annotations

import torch
from npcbridge.avatar.adversarial import render_expression_dataset
from npcbridge.avatar.classifier import to_tensor
from npcbridge.avatar.quality import (
    at_classifier_size,
    identity_ratio,
    kernel_inception_distance,
    laplacian_variance,
    portraits_per_second,
)
from npcbridge.avatar.training import soften


def test_blur_lowers_the_laplacian_variance_of_renders() -> None:
    renders = to_tensor(render_expression_dataset(8, seed=2, size=64, workers=1).images)
    sharp = laplacian_variance(renders)
    assert sharp > 50
    assert laplacian_variance(soften(renders, 1.0)) < 0.3 * sharp
    assert laplacian_variance(torch.zeros(2, 3, 16, 16)) == 0.0


def test_kid_is_near_zero_for_one_distribution_and_grows_with_a_shift() -> None:
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(400, 16, generator=g), torch.randn(400, 16, generator=g)
    same = kernel_inception_distance(a, b, subsets=10, subset_size=100)
    shifted = kernel_inception_distance(a, b + 1.0, subsets=10, subset_size=100)
    assert abs(same) < 0.05 and shifted > 10 * max(abs(same), 1e-3)


def test_identity_ratio_separates_expressions_from_identities() -> None:
    g = torch.Generator().manual_seed(1)
    identities = torch.randn(10, 1, 32, generator=g) * 5
    kept = identities + 0.5 * torch.randn(10, 7, 32, generator=g)  # expressions move a face a little
    lost = torch.randn(10, 7, 32, generator=g) * 5  # every expression a new face
    assert identity_ratio(kept) < 0.2 < 0.8 < identity_ratio(lost)


def test_portraits_are_pooled_to_the_classifier_size_and_counted_per_second() -> None:
    assert at_classifier_size(torch.zeros(2, 3, 128, 128)).shape == (2, 3, 64, 64)
    assert at_classifier_size(torch.zeros(2, 3, 64, 64)).shape == (2, 3, 64, 64)
    calls = []
    assert portraits_per_second(lambda n: calls.append(n), 10, repeats=2) > 0 and calls == [10, 10, 10]
