"""Univariate series scoring (``crisiswatch score-series``, the NAB benchmark): a volume detector
that the streaming engine does not use."""
