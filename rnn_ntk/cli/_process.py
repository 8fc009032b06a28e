"""How the command behaves in its process: one-line errors and warnings, and Ctrl-C.

- ``fail`` prints ``rnn-ntk CMD: error: MESSAGE`` as one line on stderr.
- ``session`` shows warnings as one line each (``rnn-ntk CMD: warning: ...``) and, while
  the command runs, handles SIGINT itself. Python would swallow a KeyboardInterrupt
  raised while the garbage collector runs (in jax's ``_xla_gc_callback``, a weakref
  callback: "Exception ignored", and the job ran on to exit 0) or in a ``__del__``; such
  a SIGINT is sent again 50 ms later instead. Every SIGINT is also recorded, so one
  that still got lost, or surfaced as another exception, is raised again at the next
  safe point (``check_interrupt``: in every progress update and when the job returns or
  fails).
- ``interrupted`` ends an interrupted run with exit status 130.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from types import FrameType

__all__ = ["check_interrupt", "fail", "interrupted", "session"]

#: Exit status of an interrupted run (128 + SIGINT, as a shell reports it).
INTERRUPTED = 130


#: Seconds after which a SIGINT that arrived in a place that would swallow it is sent again.
REDELIVER_S = 0.05


def _swallowing(frame: FrameType | None) -> bool:
    """True if an exception raised in ``frame`` would be printed and dropped by Python: it
    runs inside a garbage-collector callback (jax's ``_xla_gc_callback``) or a ``__del__``."""
    callbacks = {getattr(cb, "__code__", None) for cb in gc.callbacks}
    while frame is not None:
        if frame.f_code in callbacks or frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


class _Interrupts:
    """Whether a SIGINT arrived during the current run; the handler that records it.

    ``collecting`` is True while the garbage collector runs (``track_gc`` is the first of
    ``gc.callbacks`` during a session): the weakref callbacks and finalisers it calls
    drop exceptions too.
    """

    pending = False
    collecting = False

    def track_gc(self, phase: str, info: dict) -> None:
        """The gc callback: notes whether a collection is running."""
        self.collecting = phase == "start"

    def handler(self, signum: int, frame: FrameType | None) -> None:
        """The SIGINT handler: records it; raises KeyboardInterrupt where that is safe,
        else sends the signal again a moment later (from a daemon timer thread)."""
        self.pending = True
        if self.collecting or _swallowing(frame):  # raise it once out of there
            again = threading.Timer(REDELIVER_S, os.kill, (os.getpid(), signum))
            again.daemon = True
            again.start()
            return
        raise KeyboardInterrupt


_INTERRUPTS = _Interrupts()


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def fail(prog: str, message: object, *, status: int = 2) -> int:
    """Prints ``PROG: error: MESSAGE`` (one line) to stderr.

    Args:
      prog: the command, e.g. "rnn-ntk converge".
      message: what went wrong and how to fix it (newlines are joined).
      status: the exit status to return (2: a bad argument, checked before any work).
    Returns:
      ``status``.
    """
    print(f"{prog}: error: {_one_line(message)}", file=sys.stderr)
    return status


def check_interrupt() -> None:
    """Raises KeyboardInterrupt if a SIGINT arrived whose KeyboardInterrupt was lost."""
    if _INTERRUPTS.pending:
        raise KeyboardInterrupt


@contextlib.contextmanager
def session(prog: str) -> Iterator[None]:
    """One run of the command: one-line warnings; every SIGINT recorded.

    The SIGINT handler is installed only in the main thread and only over Python's default
    one (a SIGINT that the parent shell ignores stays ignored); both are restored after.

    Args:
      prog: the command, for the warnings' prefix.
    """

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"{prog}: warning: {_one_line(message)}", file=sys.stderr)

    _INTERRUPTS.pending = _INTERRUPTS.collecting = False
    own = (threading.current_thread() is threading.main_thread()
           and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    with warnings.catch_warnings():
        warnings.showwarning = show
        if own:
            gc.callbacks.insert(0, _INTERRUPTS.track_gc)
            signal.signal(signal.SIGINT, _INTERRUPTS.handler)
        try:
            yield
        finally:
            if own:
                signal.signal(signal.SIGINT, signal.default_int_handler)
                gc.callbacks.remove(_INTERRUPTS.track_gc)
            _INTERRUPTS.pending = _INTERRUPTS.collecting = False


def interrupted(prog: str, *, program: bool) -> int:
    """Reports an interrupt; finished results are already on disk (atomic writes).

    Args:
      prog: the command, for the message.
      program: True when this process is the ``rnn-ntk`` program itself: it then ends at
        once with ``os._exit(130)`` after flushing stdout and stderr. A normal return was
        measured to crash: in 4 of 8 runs of ``rnn-ntk converge`` interrupted after its
        first cell, the KeyboardInterrupt surfaced from inside XLA's
        ``backend.compile_and_load`` and the interpreter then segfaulted while finalising
        (main thread, no Python frame), even after waiting for every live array. Every
        file is closed by then and every result written atomically, so skipping the
        interpreter's teardown loses nothing.
    Returns:
      130 (only when ``program`` is False: called in-process, e.g. from tests).
    """
    print(f"{prog}: interrupted; finished results are kept", file=sys.stderr)
    if program:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(INTERRUPTED)
    return INTERRUPTED
