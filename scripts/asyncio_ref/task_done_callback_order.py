import asyncio
async def scenario(name, mode):
    order=[]
    ev=asyncio.Event()
    async def child():
        await ev.wait()
        order.append("child")
        if mode=="exc": raise ValueError()
        return 1
    t=asyncio.create_task(child())
    async def awaiter():
        try:
            await t
        except BaseException as e: pass
        order.append("awaiter")
    if name=="cb_before":
        t.add_done_callback(lambda _: order.append("cb"))
        a=asyncio.create_task(awaiter()); await asyncio.sleep(0)
    elif name=="cb_after":
        a=asyncio.create_task(awaiter()); await asyncio.sleep(0)
        t.add_done_callback(lambda _: order.append("cb"))
    elif name=="cb_around":
        t.add_done_callback(lambda _: order.append("cb1"))
        a=asyncio.create_task(awaiter()); await asyncio.sleep(0)
        t.add_done_callback(lambda _: order.append("cb2"))
    elif name=="two_awaiters":
        a=asyncio.create_task(awaiter()); await asyncio.sleep(0)
        t.add_done_callback(lambda _: order.append("cb"))
        async def aw2():
            try: await t
            except BaseException: pass
            order.append("awaiter2")
        b=asyncio.create_task(aw2()); await asyncio.sleep(0)
    if mode=="cancel":
        t.cancel()
    else:
        ev.set()
    await asyncio.sleep(0);await asyncio.sleep(0);await asyncio.sleep(0);await asyncio.sleep(0)
    print(name, mode, order)
async def main():
    for n in ["cb_before","cb_after","cb_around","two_awaiters"]:
        for m in ["ok","exc","cancel"]:
            await scenario(n,m)
asyncio.run(main())
