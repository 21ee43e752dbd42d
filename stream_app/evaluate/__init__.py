"""Scenario evaluation: replay labelled simulations offline and score alerts against the truth."""
