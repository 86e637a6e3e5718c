# Who runs first when a primitive wakes several waiters: Event.set() before clear(), a Lock released
# while a newcomer asks for it in the same step, a Semaphore released twice, Condition.notify(1) and
# notify_all() against the lock they must re-acquire.
import asyncio

from vclock import run

trace = []

async def event_part():
    ev = asyncio.Event()
    async def waiter(name):
        trace.append(f"{name} waits")
        await ev.wait()
        trace.append(f"{name} woke set={ev.is_set()}")
    tasks = [asyncio.create_task(waiter(n)) for n in ("e0", "e1", "e2")]
    await asyncio.sleep(0)
    ev.set()
    ev.clear()
    trace.append("set+clear")
    await asyncio.gather(*tasks)

async def lock_part():
    lock = asyncio.Lock()
    async def user(name, hold):
        trace.append(f"{name} asks")
        async with lock:
            trace.append(f"{name} has it")
            await asyncio.sleep(hold)
        trace.append(f"{name} released")
    await lock.acquire()
    tasks = [asyncio.create_task(user(n, 0.01)) for n in ("l0", "l1")]
    await asyncio.sleep(0)
    lock.release()
    trace.append("main released")
    late = asyncio.create_task(user("late", 0))
    await asyncio.gather(*tasks, late)

async def semaphore_part():
    sem = asyncio.Semaphore(2)
    async def user(name, hold):
        async with sem:
            trace.append(f"{name} in")
            await asyncio.sleep(hold)
        trace.append(f"{name} out")
    tasks = [asyncio.create_task(user(f"s{i}", d)) for i, d in enumerate((0.02, 0.01, 0.01, 0.01, 0))]
    await asyncio.gather(*tasks)

async def condition_part():
    cond = asyncio.Condition()
    async def waiter(name):
        async with cond:
            trace.append(f"{name} waits")
            await cond.wait()
            trace.append(f"{name} notified")
        trace.append(f"{name} left")
    tasks = [asyncio.create_task(waiter(f"c{i}")) for i in range(3)]
    await asyncio.sleep(0)
    async with cond:
        trace.append("notify(1)")
        cond.notify(1)
        await asyncio.sleep(0)
        trace.append("main still holds the lock")
    await asyncio.sleep(0)
    async with cond:
        cond.notify_all()
        trace.append("notify_all")
    await asyncio.gather(*tasks)

async def main():
    for part in (event_part, lock_part, semaphore_part, condition_part):
        trace.append(f"-- {part.__name__}")
        await part()

run(main())
print("\n".join(trace))
