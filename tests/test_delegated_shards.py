"""One embeddings job split into shards, run by two real `fiftyone delegated
launch` workers sharing this test run's MongoDB: the operator queues one
delegated operation per shard, each worker process runs one, and the result
equals a single, unsharded run."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from bson import ObjectId

import fiftyone as fo
from fiftyone.operators.delegated import DelegatedOperationService

import datadiver_fo.enrich.embeddings as dde

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
URI = "@datadiver/datadiver/compute_embeddings"
_WAIT = 180  # seconds: the most any wait of this test may take


def _view(ds):
    return ds.match_tags("tiny-imagenet-c").sort_by("filepath").limit(30)


def _params(**kw):
    return dict({"model_choice": "weightless", "field": "e_deleg", "batch_size": 8,
                 "view_target": "CURRENT_VIEW"}, **kw)


def _worker(log_path):
    """Starts `fiftyone delegated launch` (FiftyOne's own CLI) in a new process
    on this test run's database, with the repository's plugins and code."""
    cli = os.path.join(os.path.dirname(sys.executable), "fiftyone")
    cmd = [cli] if os.path.exists(cli) else [
        sys.executable, "-c", "import sys; from fiftyone.core.cli import main; sys.exit(main())"]
    env = dict(os.environ, FIFTYONE_DATABASE_URI=fo.config.database_uri,
               FIFTYONE_PLUGINS_DIR=REPO, PYTHONPATH=REPO, PYTHONUNBUFFERED="1")
    log = open(log_path, "w")
    try:
        return subprocess.Popen(cmd + ["delegated", "launch"], stdout=log,
                                stderr=subprocess.STDOUT, env=env, cwd=REPO)
    finally:
        log.close()  # the child holds its own descriptor


def _until(what, check, timeout=_WAIT, procs=()):
    """Polls ``check()`` every 50 ms until it is truthy; fails after
    ``timeout`` seconds, or at once if one of ``procs`` exited."""
    end = time.time() + timeout
    while time.time() < end:
        value = check()
        if value:
            return value
        for p in procs:
            assert p.poll() is None, f"worker {p.pid} exited with {p.returncode} while waiting for {what}"
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _forget(svc, ds):
    """Deletes this test's delegated operations: other tests' workers must
    never find them."""
    for op in svc.list_operations(operator=URI, dataset_name=ds.name):
        svc.delete_operation(op.id)


def _stop(procs):
    for p in procs:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGCONT)  # a stopped process cannot handle SIGINT
            p.send_signal(signal.SIGINT)  # the CLI's own way out (KeyboardInterrupt)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=15)


def test_two_delegated_workers_run_two_shards_of_one_job(fresh_dataset, run_operator, tmp_path):
    view = _view(fresh_dataset)
    single = dde.compute_embeddings(view, model="weightless", field="e_single", batch_size=8,
                                    progress=False)
    svc = DelegatedOperationService()
    ids = []
    logs = [tmp_path / "worker0.log", tmp_path / "worker1.log"]
    workers = []
    try:
        workers = [_worker(logs[0]), _worker(logs[1])]
        # both services up (importing fiftyone takes seconds on a busy machine)
        _until("both workers to start",
               lambda: all("service running" in p.read_text() for p in logs), procs=workers)
        a, b = workers
        # The interleaving is forced, not left to timing: both workers are
        # paused while the job is queued and both shards are held back
        # (SCHEDULED: `launch` claims only QUEUED operations); A is let claim
        # the first shard, then paused while B claims the second; then both run.
        os.kill(a.pid, signal.SIGSTOP)
        os.kill(b.pid, signal.SIGSTOP)

        res = run_operator("compute_embeddings", fresh_dataset, view=view, params=_params(shards=2))
        assert res.error is None, res.error
        out = res.result
        assert out["shards"] == 2 and out["model"] == "weightless" and len(out["queued"]) == 2
        ids = [ObjectId(i) for i in out["queued"]]  # the operator returns them as str
        assert not fresh_dataset.has_sample_field("e_deleg")  # queued, not run here

        def states():
            return [svc.get(i).run_state for i in ids]

        assert states() == ["queued", "queued"]
        for i in ids:
            assert svc.set_scheduled(i, required_state="queued") is not None

        svc.set_queued(ids[0], required_state="scheduled")
        os.kill(a.pid, signal.SIGCONT)
        _until("worker A to claim shard 1", lambda: states()[0] != "queued", procs=workers)
        os.kill(a.pid, signal.SIGSTOP)
        svc.set_queued(ids[1], required_state="scheduled")
        os.kill(b.pid, signal.SIGCONT)
        _until("worker B to claim shard 2", lambda: states()[1] != "queued", procs=workers)
        os.kill(a.pid, signal.SIGCONT)
        _until("both shards to complete",
               lambda: all(s in ("completed", "failed") for s in states()), procs=workers)
        docs = [svc.get(i) for i in ids]
        assert [d.run_state for d in docs] == ["completed", "completed"], \
            [str(d.result.error)[-2000:] if d.result else None for d in docs]
    finally:
        _stop(workers)
        _forget(svc, fresh_dataset)
    assert all(p.poll() is not None for p in workers)  # no process left behind

    # FiftyOne's own worker logs: each worker ran exactly one of the two shards
    ran = [[str(i) for i in ids if f"Running operation {i}" in p.read_text()] for p in logs]
    assert ran == [[str(ids[0])], [str(ids[1])]], [p.read_text()[-3000:] for p in logs]
    results = [d.result.result for d in docs]
    # each worker process ran one shard
    pids = [int(r["worker"].rsplit(":", 1)[1]) for r in results]
    assert pids == [p.pid for p in workers]
    assert [r["shard"] for r in results] == ["1/2", "2/2"]
    assert sum(r["embedded"] for r in results) == 30 and min(r["embedded"] for r in results) > 0
    assert any(r["complete"] for r in results)  # the last shard to finish completed the run

    fresh_dataset.reload()  # the workers added the field
    ids_a, A = dde.get_embeddings(view, "e_single")
    ids_b, B = dde.get_embeddings(view, "e_deleg")
    assert ids_a == ids_b and np.allclose(A, B, atol=1e-5)
    assert fresh_dataset.exists("e_deleg").count() == 30  # nothing outside the view
    info = dde.get_embeddings_info(fresh_dataset, "e_deleg")
    assert info["status"] == "complete" and info["fingerprint"] == single["fingerprint"]


def test_sharded_job_checks_queues_and_recovers_a_lost_shard(fresh_dataset, run_operator):
    svc = DelegatedOperationService()
    before = svc.count(filters={"operator": URI})
    view = _view(fresh_dataset)
    from fiftyone.operators.executor import ExecutionError

    with pytest.raises(ExecutionError, match="shards must be an integer from 1 to 256, got 0"):
        run_operator("compute_embeddings", fresh_dataset, view=view, params=_params(shards=0))
    with pytest.raises(ExecutionError, match="Replacing embeddings from another model runs as one job"):
        run_operator("compute_embeddings", fresh_dataset, view=view,
                     params=_params(shards=2, overwrite=True))
    with pytest.raises(ExecutionError, match="holds no samples: nothing to shard"):
        run_operator("compute_embeddings", fresh_dataset, view=view.limit(0),
                     params=_params(shards=2))
    dde.compute_embeddings(view.limit(2), model="pixels", field="e_other", progress=False)
    with pytest.raises(ExecutionError, match="Field 'e_other' holds embeddings from 'pixels', "
                                             "not 'weightless': choose another field"):
        run_operator("compute_embeddings", fresh_dataset, view=view,
                     params=_params(shards=2, field="e_other"))
    assert svc.count(filters={"operator": URI}) == before  # nothing was queued

    # "auto" is resolved once, where the job is queued: every shard gets that model
    dde.compute_embeddings(view.limit(4), model="pixels", field="e_auto", progress=False)
    try:
        res = run_operator("compute_embeddings", fresh_dataset, view=view,
                           params=_params(shards=3, model_choice="auto", field="e_auto"))
        assert res.error is None, res.error
        assert res.result["model"] == "pixels" and len(res.result["queued"]) == 3
        docs = [svc.get(ObjectId(i)) for i in res.result["queued"]]
        params = [d.context.request_params["params"] for d in docs]
        assert [p["shard_index"] for p in params] == [0, 1, 2]
        assert all(p["model"] == "pixels" and p["model_choice"] == "other" and p["shards"] == 3
                   for p in params)
        assert all(d.run_state == "queued" and d.label.endswith(f"(shard {k + 1}/3)")
                   for k, d in enumerate(docs))
        # each queued shard runs like any delegated operation (here, in this process)
        for d in docs[:2]:
            done = svc.execute_operation(d)
            assert done.error is None, done.error
        # the third shard's machine died before it wrote anything: the run stays
        # "running"; marking it failed and re-running it (`fiftyone delegated fail`
        # / `rerun`) queues the same shard again, which finishes the job
        svc.set_failed(docs[2].id)
        fresh_dataset.reload()
        missing = 30 - fresh_dataset.exists("e_auto").count()
        assert 0 < missing < 26  # shards 1 and 2 wrote theirs (4 samples were there already)
        assert dde.get_embeddings_info(fresh_dataset, "e_auto")["status"] == "running"
        again = svc.rerun_operation(docs[2].id)
        assert again.context.request_params["params"]["shard_index"] == 2
        done = svc.execute_operation(svc.get(again.id))
        assert done.error is None, done.error
        assert done.result["embedded"] == missing and done.result["shard"] == "3/3"
        assert done.result["complete"] is True
        fresh_dataset.reload()
        assert fresh_dataset.exists("e_auto").count() == 30
        assert dde.get_embeddings_info(fresh_dataset, "e_auto")["status"] == "complete"
    finally:
        _forget(svc, fresh_dataset)
    assert svc.count(filters={"operator": URI}) == before  # all four were deleted


@pytest.mark.parametrize("shards", [1, 2])
def test_operator_form_offers_shards(fresh_dataset, shards):
    import fiftyone.operators as foo
    from fiftyone.operators.executor import ExecutionContext

    op = foo.get_operator(URI)
    ctx = ExecutionContext(request_params={"dataset_name": fresh_dataset.name,
                                           "params": {"shards": shards}})
    props = op.resolve_input(ctx).to_json()["type"]["properties"]
    assert props["shards"]["default"] == 1
    assert ("shards_notice" in props) == (shards > 1)
    # the fan-out runs immediately (it only queues); a shard is always delegated
    assert op.resolve_delegation(ctx) is (False if shards > 1 else None)
    ctx = ExecutionContext(request_params={"params": {"shards": 2, "shard_index": 1}})
    assert op.resolve_delegation(ctx) is True
