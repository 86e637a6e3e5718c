"""gather / wait / as_completed awaiting a task that has a done-callback added before: the callback
runs before the combinator's caller resumes."""
import asyncio

async def case(kind):
    order = []
    ev = asyncio.Event()
    async def child():
        await ev.wait()
        order.append("child")
        return 1
    t = asyncio.create_task(child())
    t.add_done_callback(lambda _: order.append("cb"))
    async def awaiter():
        if kind == "gather":
            await asyncio.gather(t)
        elif kind == "wait":
            await asyncio.wait([t])
        else:
            for f in asyncio.as_completed([t]):
                await f
        order.append(f"{kind} returned")
    a = asyncio.create_task(awaiter())
    await asyncio.sleep(0)
    ev.set()
    await a
    print(kind, order)

async def main():
    for k in ["gather", "wait", "as_completed"]:
        await case(k)
asyncio.run(main())
