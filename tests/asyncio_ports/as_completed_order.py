# as_completed: results in completion order; ties (same deadline) in the order the timers were set,
# whatever the argument order; a failure arrives in its place; the consumer's own work between
# results does not reorder them.
import asyncio

from vclock import run

trace = []

t0 = 0.0

def ms():
    return round((asyncio.get_running_loop().time() - t0) * 1000)

async def job(name, delay, fail=False):
    await asyncio.sleep(delay)
    trace.append(f"{name} finishes at {ms()}")
    if fail:
        raise ValueError(name)
    return name

async def main():
    loop = asyncio.get_running_loop()
    # created in the order e, d, a, b, c: d's timer is set before c's (both 20 ms), but c comes
    # before d in the argument list
    aws = [job("a", 0.03), job("b", 0.01, fail=True), job("c", 0.02), job("d", 0.02), job("e", 0)]
    tasks = [None] * 5
    for i in (4, 3, 0, 1, 2):
        tasks[i] = asyncio.create_task(aws[i])
    for next_done in asyncio.as_completed(tasks):
        try:
            r = await next_done
            trace.append(f"got {r} at {ms()}")
        except ValueError as e:
            trace.append(f"got error {e} at {ms()}")
        await asyncio.sleep(0.005)

async def coroutines():
    # as_completed() given coroutines: asyncio wraps each in a task (in the order of a set, so no two
    # end at one instant here), and they run while the consumer waits: f ends during the consumer's
    # 5 ms pause after b.
    global t0
    t0 = asyncio.get_running_loop().time()
    aws = [job("a", 0.03), job("b", 0.01, fail=True), job("f", 0.012), job("c", 0.02), job("d", 0.022)]
    for next_done in asyncio.as_completed(aws):
        try:
            r = await next_done
            trace.append(f"got {r} at {ms()}")
        except ValueError as e:
            trace.append(f"got error {e} at {ms()}")
        await asyncio.sleep(0.005)

async def both():
    trace.append("-- tasks")
    await main()
    trace.append("-- coroutines")
    await coroutines()

run(both())
print("\n".join(trace))
