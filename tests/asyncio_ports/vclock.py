# A paused clock for asyncio, as tulip's `Loop::builder().start_paused(true)`: time stands still while
# anything is ready and jumps to the next live timer when the loop would otherwise wait. Deadlines are
# rounded to the microsecond so that 0.01 + 0.02 and 0.03 are the same instant, as they are for tulip.
import asyncio


class PausedClockLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        super().__init__()
        self._now = 0.0

    def time(self):
        return self._now

    def call_at(self, when, callback, *args, context=None):
        return super().call_at(round(when, 6), callback, *args, context=context)

    def _run_once(self):
        if not self._ready:
            live = [h.when() for h in self._scheduled if not h.cancelled()]
            if live and min(live) > self._now:
                self._now = min(live)
        super()._run_once()


def run(main):
    with asyncio.Runner(loop_factory=PausedClockLoop) as runner:
        return runner.run(main)
