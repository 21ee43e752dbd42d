"""Compact pickling for small ``__slots__`` classes (state is a tuple, not a dict of names)."""

from __future__ import annotations

from typing import Any


class SlotPickle:
    """Mixin: pickle the values of ``__slots__`` as a tuple, in declaration order.

    New slots go at the end: a state pickled before they existed (a shorter tuple, e.g. read
    back from a changelog written by an older version) gets :meth:`slot_default` for them.
    """

    __slots__: tuple[str, ...] = ()

    def __getstate__(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        names = self.__slots__
        if len(state) > len(names):
            raise ValueError(f"{type(self).__name__}: {len(state)} values for {len(names)} slots")
        for name, value in zip(names, state, strict=False):
            setattr(self, name, value)
        for name in names[len(state) :]:
            setattr(self, name, self.slot_default(name))

    def slot_default(self, name: str) -> Any:
        """The value of a slot missing from an older state (none by default: an error)."""
        raise ValueError(f"{type(self).__name__}: state written without slot {name!r}")
