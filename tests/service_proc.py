"""Waiting for a similarity service started as a real subprocess."""
import time

import httpx


def wait_for_health(proc, port, timeout, headers=None):
    """Polls ``http://127.0.0.1:<port>/health`` until it answers; returns the
    response. Raises AssertionError with the process's stderr if it exits or
    ``timeout`` seconds pass first."""
    deadline = time.time() + timeout
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2, headers=headers)
        except httpx.TransportError:
            if proc.poll() is not None or time.time() > deadline:
                raise AssertionError(proc.stderr.read().decode()[-2000:])
            time.sleep(0.3)
