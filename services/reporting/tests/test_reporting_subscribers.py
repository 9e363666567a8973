"""Per-commune turns: counting transactions of one commune never run side by side."""

import asyncio

import pytest

from motcua_reporting.entrypoints.subscribers import CommuneTurns


@pytest.mark.asyncio
async def test_one_turn_at_a_time_per_commune_and_communes_in_parallel():
    turns = CommuneTurns(wait_seconds=5)
    inside: dict[str, int] = {"A": 0, "B": 0}
    most: dict[str, int] = {"A": 0, "B": 0}

    async def work(commune: str) -> None:
        async with turns.turn(commune):
            inside[commune] += 1
            most[commune] = max(most[commune], inside[commune])
            await asyncio.sleep(0.001)
            inside[commune] -= 1

    await asyncio.gather(*(work(c) for c in "AB" * 20))
    assert most == {"A": 1, "B": 1}


@pytest.mark.asyncio
async def test_waiting_too_long_for_a_turn_is_a_transient_error():
    turns = CommuneTurns(wait_seconds=0.05)
    async with turns.turn("A"):
        with pytest.raises(TimeoutError):
            async with turns.turn("A"):
                pass
    async with turns.turn("A"):  # released properly after the timeout
        pass
