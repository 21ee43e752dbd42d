"""Compact pickling for small ``__slots__`` classes (state is a tuple, not a dict of names)."""

from __future__ import annotations

from typing import Any


class SlotPickle:
    """Mixin: pickle the values of ``__slots__`` as a tuple, in declaration order."""

    __slots__: tuple[str, ...] = ()

    def __getstate__(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(self.__slots__, state, strict=True):
            setattr(self, name, value)
