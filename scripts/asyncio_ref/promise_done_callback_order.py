import asyncio
async def main():
    loop=asyncio.get_running_loop()
    for mode in ["result","exception","cancel"]:
        order=[]
        fut=loop.create_future()
        fut.add_done_callback(lambda _: order.append("cb1"))
        async def awaiter():
            try: await fut
            except BaseException: pass
            order.append("awaiter")
        a=asyncio.create_task(awaiter()); await asyncio.sleep(0)
        fut.add_done_callback(lambda _: order.append("cb2"))
        loop.call_soon(lambda: order.append("soon"))
        if mode=="result": fut.set_result(1)
        elif mode=="exception": fut.set_exception(ValueError())
        else: fut.cancel()
        await a
        print(mode, order)
asyncio.run(main())
