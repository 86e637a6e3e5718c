"""asyncio.Future whose loop is closed: set_result / set_exception / cancel with done-callbacks raise
RuntimeError('Event loop is closed') from loop.call_soon (Future.__schedule_callbacks), after the state
has already changed; without callbacks they succeed; add_done_callback on a done future raises too."""
import asyncio

def attempt(what, f):
    try:
        f()
        print(f"{what}: ok")
    except Exception as e:
        print(f"{what}: {type(e).__name__}: {e}")

for impl in ("C", "Py"):
    print(f"-- {impl} Future")
    cls = asyncio.Future if impl == "C" else asyncio.futures._PyFuture
    loop = asyncio.new_event_loop()
    fut = cls(loop=loop)
    fut.add_done_callback(lambda f: print("callback ran"))
    bare = cls(loop=loop)
    cancelled = cls(loop=loop)
    cancelled.add_done_callback(lambda f: print("callback ran"))
    loop.close()
    attempt("set_result with a callback", lambda: fut.set_result(1))
    print("  done after it:", fut.done(), "result:", fut.result() if fut.done() else None)
    attempt("set_result again", lambda: fut.set_result(2))
    attempt("set_result without callbacks", lambda: bare.set_result(1))
    attempt("add_done_callback on a done future", lambda: bare.add_done_callback(lambda f: None))
    attempt("cancel with a callback", lambda: cancelled.cancel())
    print("  cancelled after it:", cancelled.cancelled())
