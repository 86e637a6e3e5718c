# The asyncio docs' Queue example, made deterministic: three workers take jobs from a bounded queue,
# the producer waits for room, join() waits for task_done() on every job, then the workers are cancelled.
import asyncio

from vclock import run

trace = []

async def worker(name, q):
    try:
        while True:
            job = await q.get()
            trace.append(f"{name} got {job}")
            await asyncio.sleep(job / 1000)
            trace.append(f"{name} done {job}")
            q.task_done()
    finally:
        trace.append(f"{name} cancelled")

async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    q = asyncio.Queue(maxsize=2)
    workers = [asyncio.create_task(worker(f"w{i}", q)) for i in range(3)]
    for job in [30, 10, 20, 10, 5, 40]:
        await q.put(job)
        trace.append(f"put {job} qsize={q.qsize()}")
    await q.join()
    trace.append(f"joined at {round((loop.time() - t0) * 1000)}")
    for w in workers:
        w.cancel()
    trace.append("cancel requested")
    await asyncio.gather(*workers, return_exceptions=True)
    trace.append("workers gone")

run(main())
print("\n".join(trace))
