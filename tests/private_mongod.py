"""A private MongoDB for one test run or benchmark: FiftyOne's bundled mongod on
a free loopback port (shared by tests/conftest.py and benchmarks/)."""
import atexit
import importlib.util
import os
import socket
import subprocess
import time


def start_private_mongod(db_dir):
    """Starts FiftyOne's bundled mongod on a free loopback port and returns
    (process, uri).

    FiftyOne's own service attaches to any ``--51-service db`` already running
    on the machine, whatever FIFTYONE_DATABASE_DIR says, and stops it when that
    other process exits. A mongod of our own, passed as FIFTYONE_DATABASE_URI,
    keeps a test run hermetic (an open App or a benchmark can't take it down).
    """
    spec = importlib.util.find_spec("fiftyone")
    mongod = os.path.join(spec.submodule_search_locations[0], "db", "bin", "mongod")
    if not os.path.exists(mongod):
        return None, None  # no bundled binary: let FiftyOne find its own
    os.makedirs(db_dir, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [mongod, "--dbpath", db_dir, "--port", str(port), "--bind_ip", "127.0.0.1",
         "--nounixsocket", "--logpath", os.path.join(db_dir, "mongod.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mongod exited with {proc.returncode}; see {db_dir}/mongod.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    atexit.register(stop, proc)
    return proc, f"mongodb://127.0.0.1:{port}"


def stop(proc):
    """Terminates a mongod started by :func:`start_private_mongod` (None is fine)."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def use_private_database(run_dir, prefix="datadiver-bench-"):
    """Points this process's FiftyOne (imported afterwards) at a private
    mongod whose files live under ``run_dir/db``; returns the process for
    :func:`stop`."""
    import uuid

    db_dir = os.path.join(run_dir, "db")
    os.environ["FIFTYONE_DATABASE_DIR"] = db_dir
    os.environ["FIFTYONE_DATABASE_NAME"] = prefix + uuid.uuid4().hex[:8]
    os.environ.pop("FIFTYONE_DATABASE_URI", None)
    os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
    proc, uri = start_private_mongod(db_dir)
    if uri:
        os.environ["FIFTYONE_DATABASE_URI"] = uri
    return proc
