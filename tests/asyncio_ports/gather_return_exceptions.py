# gather(return_exceptions=True): results come back in argument order whatever order the awaitables
# finish or fail in; a failure does not stop the others; the gather ends when the last one ends.
import asyncio

from vclock import run

trace = []

def ms():
    return round(asyncio.get_running_loop().time() * 1000)

async def job(name, delay, fail):
    await asyncio.sleep(delay)
    trace.append(f"{name} ends at {ms()}")
    if fail:
        raise ValueError(name)
    return name

async def main():
    res = await asyncio.gather(
        job("a", 0.03, False),
        job("b", 0.01, True),
        job("c", 0.02, False),
        job("d", 0, True),
        job("e", 0.01, False),
        return_exceptions=True,
    )
    trace.append(f"gather returned at {ms()}")
    for r in res:
        trace.append(f"error {r}" if isinstance(r, BaseException) else f"ok {r}")

run(main())
print("\n".join(trace))
