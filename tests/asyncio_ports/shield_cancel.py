# cancel() of a task blocked in `await asyncio.shield(inner)`: the outer task is cancelled at once, the
# inner work runs on to its end, and a second awaiter of the inner task still gets the result.
import asyncio

from vclock import run

trace = []

def ms():
    return round(asyncio.get_running_loop().time() * 1000)

async def inner():
    try:
        trace.append(f"inner starts at {ms()}")
        await asyncio.sleep(0.03)
        trace.append(f"inner finishes at {ms()}")
        return "saved"
    finally:
        trace.append("inner exits")

async def outer(t):
    try:
        r = await asyncio.shield(t)
        trace.append(f"outer got {r}")
    except asyncio.CancelledError:
        trace.append(f"outer cancelled at {ms()} inner done={t.done()}")
        raise

async def main():
    t = asyncio.create_task(inner())
    o = asyncio.create_task(outer(t))
    await asyncio.sleep(0.01)
    o.cancel()
    trace.append("cancel requested")
    try:
        await o
    except asyncio.CancelledError:
        trace.append(f"outer task cancelled={o.cancelled()} at {ms()}")
    trace.append(f"main awaits inner: {await t} at {ms()}")

run(main())
print("\n".join(trace))
