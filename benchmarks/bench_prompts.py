"""Benchmark: prompt -> view. Offline latency, accuracy, LLM calls per prompt.

Run: ``.venv/bin/python benchmarks/bench_prompts.py [--full] [--keep]``

-   Accuracy: the realistic prompts of ``tests/prompt_eval_set.py`` (CASES,
    tuned on, and HELDOUT, written afterwards), each checked against its
    expected sample set (predicates on raw field values, not our parser), on
    the 24-class evaluation dataset and on a 200-class dataset.
-   Latency: offline ``text_to_view`` per prompt (parse + validate + compile),
    and with the sample count (the MongoDB query) on the 200-class dataset
    (all 200 Tiny-ImageNet classes x clean + 19 corruptions x 5 severities;
    19,200 samples by default, 96,000 with ``--full``). The vocabulary and
    phrase index are built once per dataset (first call, reported apart).
-   LLM calls per prompt: the LLM path against a local OpenAI-compatible
    server (127.0.0.1) that answers every prompt with a correct spec, then
    one where every 5th reply is garbage and every 7th request gets a 429.
    VoxelGPT's 12-17 sequential calls per query (from its source, see
    ../shared/notes/field.md) are quoted for reference, not measured here.
"""
import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")
os.environ.setdefault("FIFTYONE_SHOW_PROGRESS_BARS", "false")


import datadiver_fo as ddf  # noqa: E402
from datadiver_fo.customize import prompt_parser as pp  # noqa: E402
from datadiver_fo.customize import viewspec as vs  # noqa: E402

import prompt_eval_set as pe  # noqa: E402

VOXELGPT_CALLS = "12-17"


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def accuracy(ds, cases):
    records = pe.sample_records(ds)
    ok, failures = 0, []
    for prompt, exp in cases:
        try:
            res = ddf.text_to_view(ds, prompt, llm="offline")
            good = pe.check(res.view, records, exp)
        except ValueError as e:
            good, res = False, e
        ok += good
        if not good:
            failures.append((prompt, getattr(res, "explanation", str(res))))
    return ok, len(cases), failures


def latency(ds, prompts, repeats=3):
    t = time.perf_counter()
    vs.vocabulary(ds, refresh=True)
    pp.phrase_index(ds)
    build = time.perf_counter() - t
    parse, total = [], []
    for _ in range(repeats):
        for p in prompts:
            t = time.perf_counter()
            res = ddf.text_to_view(ds, p, llm="offline")
            t1 = time.perf_counter()
            res.view.count()
            t2 = time.perf_counter()
            parse.append(t1 - t)
            total.append(t2 - t)
    return build, parse, total


class OracleServer:
    """An OpenAI-compatible endpoint answering with a given spec per prompt."""

    def __init__(self, answers, garbage_every=0, throttle_every=0):
        self.answers = answers
        self.calls = 0
        srv = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                srv.calls += 1
                n = srv.calls
                if throttle_every and n % throttle_every == 0:
                    return self._send(429, {"error": {"message": "slow down"}}, {"retry-after": "0.01"})
                user = [m["content"] for m in body["messages"] if m["role"] == "user"][0]
                content = srv.answers[user]
                if garbage_every and n % garbage_every == 0 and body["messages"][-1]["content"] == user:
                    content = "I think you want dogs."
                self._send(200, {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": content}}]})

            def _send(self, status, payload, headers=None):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def llm_calls(ds, prompts, **server_kw):
    answers = {}
    for p in prompts:
        spec = ddf.text_to_view(ds, p, llm="offline").spec
        answers[p] = json.dumps({k: v for k, v in spec.items() if k != "version"})
    srv = OracleServer(answers, **server_kw)
    calls, secs, ok = [], [], 0
    try:
        for p in prompts:
            t = time.perf_counter()
            res = ddf.text_to_view(ds, p, llm="openai", base_url=srv.url, api_key="local", model="oracle", timeout=10)
            secs.append(time.perf_counter() - t)
            calls.append(res.llm_calls)
            ok += res.spec == ddf.text_to_view(ds, p, llm="offline").spec
    finally:
        srv.close()
    return calls, secs, ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true", help="5 source images per class (96,000 samples)")
    ap.add_argument("--keep", action="store_true", help="keep the generated datasets")
    args = ap.parse_args()
    tag = uuid.uuid4().hex[:6]
    small = pe.build_eval_dataset(f"bench-prompts-eval-{tag}", sources_per_class=2)
    t = time.perf_counter()
    big = pe.build_eval_dataset(f"bench-prompts-200-{tag}", sources_per_class=5 if args.full else 1, classes="all")
    build_big = time.perf_counter() - t
    try:
        rows = []
        for label, ds in (("24-class eval set", small), (f"200 classes ({len(big)} samples)", big)):
            for name, cases in (("CASES", pe.CASES), ("HELDOUT", pe.HELDOUT)):
                ok, n, fails = accuracy(ds, cases)
                rows.append((label, name, ok, n, fails))
        prompts = [p for p, _ in pe.CASES + pe.HELDOUT]
        build, parse, total = latency(big, prompts)
        calls, secs, agree = llm_calls(small, prompts)
        calls_f, _, agree_f = llm_calls(small, prompts, garbage_every=5, throttle_every=7)

        print(f"\nPrompt -> view benchmark ({len(prompts)} prompts; 200-class dataset built in {build_big:.1f} s)\n")
        print(f"{'dataset':<28} {'prompt set':<10} {'exact':>7} {'rate':>7}")
        for label, name, ok, n, _ in rows:
            print(f"{label:<28} {name:<10} {ok:>3}/{n:<3} {100 * ok / n:>6.1f}%")
        all_ok = sum(r[2] for r in rows[2:])
        all_n = sum(r[3] for r in rows[2:])
        print(f"{'200 classes, all prompts':<28} {'':<10} {all_ok:>3}/{all_n:<3} {100 * all_ok / all_n:>6.1f}%")
        for label, name, _, _, fails in rows:
            for p, why in fails:
                print(f"  miss [{label}/{name}] {p!r}: {why}")
        print(f"\nOffline latency on {len(big)} samples ({len(parse)} runs)")
        print(f"  vocabulary + phrase index, once per dataset: {1000 * build:.0f} ms")
        print(f"  text_to_view (parse+validate+compile): p50 {1000 * statistics.median(parse):.1f} ms, "
              f"p95 {1000 * pct(parse, 0.95):.1f} ms (target p95 < 20 ms)")
        print(f"  ... plus sample count (query):         p50 {1000 * statistics.median(total):.1f} ms, "
              f"p95 {1000 * pct(total, 0.95):.1f} ms")
        print("\nLLM calls per prompt (local OpenAI-compatible server)")
        print(f"  {'server':<36} {'calls/prompt':>12} {'max':>4} {'spec == offline':>16}")
        print(f"  {'always valid':<36} {sum(calls) / len(calls):>12.2f} {max(calls):>4} {agree:>10}/{len(prompts)}")
        print(f"  {'every 5th garbage, every 7th 429':<36} {sum(calls_f) / len(calls_f):>12.2f} {max(calls_f):>4} "
              f"{agree_f:>10}/{len(prompts)}")
        print(f"  VoxelGPT (reference, from its source): {VOXELGPT_CALLS} sequential calls per query")
        print(f"  ratio: {sum(calls) / len(calls):.0f} call vs 12-17 -> 12-17x fewer calls on the happy path")
        print(f"  LLM-path wall time per prompt on localhost: p50 {1000 * statistics.median(secs):.0f} ms")
    finally:
        if not args.keep:
            small.delete()
            big.delete()


if __name__ == "__main__":
    main()
