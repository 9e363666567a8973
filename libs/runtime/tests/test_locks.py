import asyncio

import pytest

from motcua_runtime.locks import KeyedTurns


@pytest.mark.asyncio
async def test_one_key_takes_turns_other_keys_do_not_wait_and_waiting_is_bounded():
    turns, order = KeyedTurns(), []

    async def work(key, name, hold):
        async with turns.turn(key):
            order.append(f"{name}+")
            await asyncio.sleep(hold)
            order.append(f"{name}-")

    await asyncio.gather(work("A", "a1", 0.05), work("A", "a2", 0), work("B", "b1", 0))
    assert order.index("a1-") < order.index("a2+")  # same key: one after the other
    assert order.index("b1+") < order.index("a1-")  # another key: not held up

    async with turns.turn("A"):
        with pytest.raises(TimeoutError):
            async with turns.turn("A", wait_seconds=0.01):
                pass
    async with turns.turn("A", wait_seconds=0.01):  # released properly after the timeout
        pass
    assert not turns._locks  # keys are forgotten once nobody holds or waits for them


def test_the_services_clock_keeps_milliseconds_like_mongodb():
    from motcua_runtime.clock import utc_now

    now = utc_now()
    assert now.microsecond % 1000 == 0 and now.tzinfo is not None
