"""Sizes of 0 in asyncio's constructors: Queue(maxsize=0) (and any maxsize <= 0) is unbounded;
StreamReader(limit=0) raises ValueError; Barrier(0) raises ValueError; Semaphore(-1) raises
ValueError (a Semaphore(0) is fine)."""
import asyncio

def attempt(what, f):
    try:
        print(f"{what}: {f()}")
    except Exception as e:
        print(f"{what}: {type(e).__name__}: {e}")

async def main():
    for cls in (asyncio.Queue, asyncio.PriorityQueue, asyncio.LifoQueue):
        q = cls(maxsize=0)
        for i in range(10_000):
            q.put_nowait((i,))
        print(f"{cls.__name__}(maxsize=0): maxsize={q.maxsize} full={q.full()} qsize={q.qsize()}")
    q = asyncio.Queue(maxsize=-1)
    q.put_nowait(1); q.put_nowait(2)
    print(f"Queue(maxsize=-1): full={q.full()} qsize={q.qsize()}")
    attempt("StreamReader(limit=0)", lambda: asyncio.StreamReader(limit=0))
    attempt("StreamReader(limit=1)._limit", lambda: asyncio.StreamReader(limit=1)._limit)
    attempt("Barrier(0)", lambda: asyncio.Barrier(0))
    attempt("Semaphore(0)", lambda: asyncio.Semaphore(0).locked())
    attempt("Semaphore(-1)", lambda: asyncio.Semaphore(-1))

asyncio.run(main())
