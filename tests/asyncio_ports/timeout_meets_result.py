# asyncio.timeout / wait_for whose deadline falls on the very instant the inner result arrives: both
# timers fire in the same loop iteration, the deadline's registered first (t1, w1) or last (t2, w2);
# then a zero deadline (t0, w0). CPython 3.11: wait_for runs the inner coroutine as a task of its own
# (3.12 made it `async with timeout()`).
import asyncio

from vclock import run

trace = []

async def inner(name, delay):
    try:
        await asyncio.sleep(delay)
        trace.append(f"{name} inner finished")
        return f"{name}-result"
    finally:
        trace.append(f"{name} inner exits")

async def with_timeout(name, delay, limit):
    try:
        async with asyncio.timeout(limit):
            r = await inner(name, delay)
        trace.append(f"{name} -> {r}")
    except TimeoutError:
        trace.append(f"{name} -> TimeoutError")

async def with_wait_for(name, delay, limit):
    try:
        r = await asyncio.wait_for(inner(name, delay), limit)
        trace.append(f"{name} -> {r}")
    except TimeoutError:
        trace.append(f"{name} -> TimeoutError")

async def inner_timer_first(name, wrapper):
    # the result comes from a call_later made before the deadline's timer
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_later(0.01, fut.set_result, f"{name}-result")
    async def waits():
        try:
            r = await fut
            trace.append(f"{name} inner finished")
            return r
        finally:
            trace.append(f"{name} inner exits")
    try:
        if wrapper == "timeout":
            async with asyncio.timeout(0.01):
                r = await waits()
        else:
            r = await asyncio.wait_for(waits(), 0.01)
        trace.append(f"{name} -> {r}")
    except TimeoutError:
        trace.append(f"{name} -> TimeoutError")

async def main():
    await with_timeout("t1", 0.01, 0.01)
    await with_wait_for("w1", 0.01, 0.01)
    await inner_timer_first("t2", "timeout")
    await inner_timer_first("w2", "wait_for")
    await with_timeout("t0", 0, 0)
    await with_wait_for("w0", 0, 0)

run(main())
print("\n".join(trace))
