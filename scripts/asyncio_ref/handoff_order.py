"""Who gets a lock / semaphore permit / queue item released in the same step that another caller asks
for it, and where a cancellation lands."""
import asyncio

async def lock_case():
    lock, order = asyncio.Lock(), []
    await lock.acquire()
    async def b():
        async with lock:
            order.append("b")
    t = asyncio.create_task(b()); await asyncio.sleep(0)
    lock.release()
    # main asks again in the same step: asyncio queues it behind the woken waiter
    async with lock:
        order.append("main")
    await t
    print("lock:", order)

async def sem_case():
    sem, order = asyncio.Semaphore(1), []
    await sem.acquire()
    async def b():
        async with sem:
            order.append("b")
    t = asyncio.create_task(b()); await asyncio.sleep(0)
    sem.release()
    print("semaphore locked() right after release with a waiter:", sem.locked())
    async with sem:
        order.append("main")
    await t
    print("semaphore:", order)

async def queue_case():
    q, order = asyncio.Queue(), []
    async def getter():
        order.append(("getter", await q.get()))
    t = asyncio.create_task(getter()); await asyncio.sleep(0)
    q.put_nowait(1)
    try:
        order.append(("main get_nowait", q.get_nowait()))
    except asyncio.QueueEmpty:
        order.append(("main get_nowait", "QueueEmpty"))
    q.put_nowait(2)
    await t
    print("queue:", order)

async def cancel_case():
    order, ev = [], asyncio.Event()
    async def child():
        try:
            await ev.wait()
        finally:
            order.append("child cleanup")
    t = asyncio.create_task(child()); await asyncio.sleep(0)
    t.cancel(); order.append("after cancel")
    asyncio.get_running_loop().call_soon(lambda: order.append("soon"))
    await asyncio.sleep(0); await asyncio.sleep(0)
    print("cancel:", order)

async def main():
    await lock_case(); await sem_case(); await queue_case(); await cancel_case()
asyncio.run(main())
