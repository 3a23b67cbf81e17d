"""Shared fixtures: keep them small and generic."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import rdflib

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def sample_dataset() -> rdflib.Dataset:
    """A small graph shaped like the published one (tests/data/sample.trig)."""
    dataset = rdflib.Dataset()
    dataset.parse(DATA / "sample.trig", format="trig")
    return dataset


@pytest.fixture
def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
