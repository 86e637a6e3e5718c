# What runs first: call_soon callbacks, call_later(0) timers, a new task's first step, a task woken by
# a future, done-callbacks of a task and the task awaiting it.
import asyncio

from vclock import run

trace = []

async def child(name):
    trace.append(f"{name} step 1")
    await asyncio.sleep(0)
    trace.append(f"{name} step 2")
    return name

async def main():
    loop = asyncio.get_running_loop()
    loop.call_later(0, trace.append, "call_later(0) A")
    loop.call_soon(trace.append, "call_soon 1")
    t = asyncio.create_task(child("t"))
    loop.call_soon(trace.append, "call_soon 2")
    loop.call_later(0, trace.append, "call_later(0) B")
    loop.call_at(loop.time(), trace.append, "call_at(now)")
    t.add_done_callback(lambda _: trace.append("t done-callback 1"))
    trace.append("main before await")
    await asyncio.sleep(0)
    trace.append("main after sleep(0)")
    t.add_done_callback(lambda _: trace.append("t done-callback 2"))
    fut = loop.create_future()
    async def awaiter():
        trace.append("awaiter waits")
        r = await fut
        trace.append(f"awaiter got {r}")
    a = asyncio.create_task(awaiter())
    fut.add_done_callback(lambda f: trace.append("fut done-callback"))
    loop.call_soon(fut.set_result, "x")
    loop.call_soon(trace.append, "call_soon 3")
    r = await t
    trace.append(f"main got {r}")
    await a
    trace.append("main ends")

run(main())
print("\n".join(trace))
