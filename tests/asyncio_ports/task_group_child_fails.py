# A TaskGroup where one child fails while its siblings sleep: what each sibling sees and when, what a
# child finishing in the same step as the failure does, and the order of the ExceptionGroup. One
# sibling is left to cancel: asyncio keeps a group's tasks in a set, so several are cancelled in an
# order that changes from run to run.
import asyncio

from vclock import run

trace = []

async def fails(name, delay):
    await asyncio.sleep(delay)
    trace.append(f"{name} raises")
    raise ValueError(name)

async def sleeper(name, delay):
    try:
        await asyncio.sleep(delay)
        trace.append(f"{name} finished")
        return name
    finally:
        trace.append(f"{name} cleanup")

async def main():
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(sleeper("a", 1))
            tg.create_task(fails("b", 0.01))
            tg.create_task(sleeper("c", 0.01))
            tg.create_task(fails("d", 0.01))
            trace.append("body done")
    except* ValueError as eg:
        trace.append(f"group: {[str(e) for e in eg.exceptions]} at {round(loop.time() * 1000)}")

async def body_awaits():
    # The body of the `async with` block awaits too: asyncio cancels it when a child fails.
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fails("f", 0.01))
            tg.create_task(sleeper("g", 1))
            try:
                await asyncio.sleep(0.5)
                trace.append("body slept")
            finally:
                trace.append(f"body exits at {round((loop.time() - t0) * 1000)}")
    except* ValueError as eg:
        trace.append(f"group: {[str(e) for e in eg.exceptions]} at {round((loop.time() - t0) * 1000)}")

async def both():
    trace.append("-- main")
    await main()
    trace.append("-- body_awaits")
    await body_awaits()

run(both())
print("\n".join(trace))
