"""TaskGroup: the order of a child's failure, the siblings' cancellation, and the group's exit."""
import asyncio

async def main():
    order = []
    async def fail():
        await asyncio.sleep(0)
        order.append("fail raises")
        raise ValueError("boom")
    async def sibling(name):
        try:
            await asyncio.sleep(10)
        finally:
            order.append(f"{name} cancelled")
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(sibling("s1"))
            tg.create_task(fail())
            tg.create_task(sibling("s2"))
            order.append("body end")
    except* ValueError:
        order.append("group raised")
    print(order)

    # shield: the outer awaiter is cancelled, the inner task runs on
    order = []
    ev = asyncio.Event()
    async def inner():
        await ev.wait()
        order.append("inner done")
        return 1
    it = asyncio.create_task(inner())
    async def outer():
        try:
            await asyncio.shield(it)
        except asyncio.CancelledError:
            order.append("outer cancelled")
            raise
    ot = asyncio.create_task(outer())
    await asyncio.sleep(0)
    ot.cancel()
    await asyncio.sleep(0)
    ev.set()
    await it
    print(order)

    # timeout: the inner future is cancelled at the deadline, then the timeout raises
    order = []
    async def slow():
        try:
            await asyncio.sleep(10)
        finally:
            order.append("slow cancelled")
    try:
        await asyncio.wait_for(slow(), 0.01)
    except TimeoutError:
        order.append("TimeoutError")
    print(order)

asyncio.run(main())
