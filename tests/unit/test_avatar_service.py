"""AvatarService: request validation, description handling, and batching of
concurrent requests (with a fake model, and the same checks on the real one)."""

from __future__ import annotations

import asyncio

import pytest
from npcbridge.avatar.attributes import ATTRIBUTES
from npcbridge.avatar.expressions import EXPRESSIONS
from npcbridge.avatar.models import AvatarJob, AvatarResult
from npcbridge.avatar.service import AvatarLimits, AvatarService, Progress
from npcbridge.errors import InvalidArgument
from npcbridge.moderation.service import ModerationService


class FakeModel:
    """Echoes jobs as results; records the size of every batch."""

    name, size, default_truncation = "fake", 8, 0.8
    device, dtype = "cpu", "float32"
    expressions = EXPRESSIONS

    def __init__(self) -> None:
        self.batches: list[int] = []

    @property
    def attributes(self) -> dict[str, tuple[str, ...]]:
        return ATTRIBUTES

    def generate(self, jobs: list[AvatarJob]) -> list[AvatarResult]:
        self.batches.append(len(jobs))
        return [AvatarResult(id=str(j.seed), seed=j.seed, latent=[], png=b"", width=8, height=8,
                             attributes=dict(j.attributes)) for j in jobs]


def fake_service(**limits: int) -> tuple[AvatarService, FakeModel]:
    service = AvatarService(limits=AvatarLimits(**limits))
    service.model = FakeModel()  # type: ignore[assignment]
    return service, service.model  # type: ignore[return-value]


async def collect(service: AvatarService, **request: object) -> list[AvatarResult | Progress]:
    jobs = await service.plan(**request)  # type: ignore[arg-type]
    return [e async for e in service.generate(jobs)]


@pytest.fixture
def real_service() -> AvatarService:
    service = AvatarService(device="cpu", limits=AvatarLimits(max_batch=8))
    service.load()
    return service


async def test_seeds_count_and_progress() -> None:
    service, _ = fake_service()
    events = await collect(service, attributes={"species": "orc"}, count=3, seed=10)
    avatars = [e for e in events if isinstance(e, AvatarResult)]
    progress = [e for e in events if isinstance(e, Progress)]
    assert [a.seed for a in avatars] == [10, 11, 12]
    assert all(a.attributes["species"] == "orc" for a in avatars)
    assert [(p.completed, p.total) for p in progress] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert isinstance(events[-1], AvatarResult)


async def test_count_zero_means_one_and_no_seed_picks_one() -> None:
    service, _ = fake_service()
    jobs = await service.plan({}, count=0)
    assert len(jobs) == 1 and 0 <= jobs[0].seed < 2**63


@pytest.mark.parametrize(("request_", "message"), [
    ({"count": 17}, "count is 17; ask for 1 to 16"),
    ({"count": -1}, "count is -1"),
    ({"truncation": 1.5}, "truncation is 1.5"),
    ({"truncation": float("nan")}, "truncation is nan"),
    ({"attributes": {"wings": "two"}}, "valid attributes: species"),
    ({"attributes": {"species": "dragon"}}, "valid values: human, elf, dwarf, orc"),
    ({"description": "x" * 2001}, "description is 2001 characters"),
])
async def test_bad_requests_are_invalid_argument(request_: dict[str, object], message: str) -> None:
    service, _ = fake_service()
    with pytest.raises(InvalidArgument, match=message):
        await service.plan(**{"attributes": {}, **request_})  # type: ignore[arg-type]


async def test_explicit_attributes_win_over_the_description() -> None:
    service, _ = fake_service()
    jobs = await service.plan({"hair_color": "blue"}, "a red-haired elf with green eyes", seed=1)
    attrs = dict(jobs[0].attributes)
    assert attrs["hair_color"] == "blue" and attrs["species"] == "elf" and attrs["eye_color"] == "green"


async def test_description_passes_through_moderation() -> None:
    moderation = ModerationService(use_classifier=False)
    moderation.load()
    service, _ = fake_service()
    service.moderation = moderation
    with pytest.raises(InvalidArgument, match="blocked by the content filter"):
        await service.plan({}, "an orc who says kill yourself")
    jobs = await service.plan({}, "a dwarf with a fucking beard", seed=2)  # masked, then parsed
    assert dict(jobs[0].attributes)["species"] == "dwarf" and dict(jobs[0].attributes)["facial_hair"] == "beard"


async def test_concurrent_requests_share_forward_passes() -> None:
    service, model = fake_service(max_batch=16)
    results = await asyncio.gather(*(collect(service, attributes={}, count=2, seed=s * 10) for s in range(6)))
    assert max(model.batches) > 2  # requests were merged
    assert sum(model.batches) == 12
    for s, events in enumerate(results):
        assert [e.seed for e in events if isinstance(e, AvatarResult)] == [s * 10, s * 10 + 1]


async def test_concurrent_requests_on_the_real_model_equal_sequential_ones(real_service: AvatarService) -> None:
    sequential = [await collect(real_service, attributes={}, count=2, seed=s) for s in (1, 5, 9)]
    concurrent = await asyncio.gather(*(collect(real_service, attributes={}, count=2, seed=s) for s in (1, 5, 9)))
    pngs = [[e.png for e in events if isinstance(e, AvatarResult)] for events in sequential]
    assert pngs == [[e.png for e in events if isinstance(e, AvatarResult)] for events in concurrent]
    assert max(real_service._batcher.batch_sizes) > 2  # type: ignore[union-attr]
    await real_service.close()


async def test_cancelled_request_drops_its_queued_jobs() -> None:
    service, model = fake_service(max_batch=2)
    jobs = await service.plan({}, count=8, seed=0)
    stream = service.generate(jobs)
    assert isinstance(await anext(stream), Progress)
    await stream.aclose()  # the client went away after the first event
    await asyncio.sleep(0.05)
    assert sum(model.batches) < 8
    await service.close()


async def test_expressions_are_listed_validated_and_reach_the_jobs() -> None:
    service, model = fake_service()
    assert list(service.list_expressions()) == list(EXPRESSIONS)
    assert service.list_expressions()["happy"]["mouthSmileLeft"] > 0.5
    jobs = await service.plan({}, count=2, seed=4, expression=" Angry ")
    assert [j.expression for j in jobs] == ["angry", "angry"]
    assert [j.expression for j in await service.plan({}, seed=4)] == ["neutral"]
    same = await service.plan({}, count=2, seed=4, expression="happy")
    assert [j.attributes for j in same] == [j.attributes for j in jobs]  # the same identities
    with pytest.raises(InvalidArgument, match="valid expressions: neutral, happy, sad"):
        await service.plan({}, expression="smug")
    model.expressions = ()  # a neutral-only model (a studio checkpoint, the old generator)
    assert service.list_expressions() == {}
    with pytest.raises(InvalidArgument, match="renders no expressions"):
        await service.plan({}, expression="sad")
    assert len(await service.plan({}, expression="neutral")) == 1
