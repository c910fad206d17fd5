"""Run sweep points as tasks on an existing Ray cluster; `bitnet-hw sweep --ray` drives it.

stdin: one JSON task per line, {"id": ..., "argv": [...], "cwd": ...}: a bitnet-hw command line.
stdout: one JSON line per finished task, in completion order:
  {"id", "code", "stdout", "stderr", "attempt_pid"} when the command ran (any exit code), or
  {"id", "code": null, "error"} when Ray gave up on the task (its worker was lost more than
  MAX_RETRIES times).
Every task runs the same CLI as the local pool. A worker that dies mid-task (a lost node, a
killed process) makes Ray run the task again, up to MAX_RETRIES times; a command that fails is
a result (its exit code and stderr), never retried and never dropped.

usage: python ray_pool.py --address auto|HOST:PORT
"""
import argparse
import json
import os
import socket
import subprocess
import sys

import ray

MAX_RETRIES = 3
# Passed to the workers (they inherit the environment of `ray start`, not this driver's).
FORWARD_ENV = ("BITNET_HW_CACHE_DIR", "XDG_CACHE_HOME", "BITNET_HW_SWEEP_FAULT_DIR", "PATH", "CI")


@ray.remote(max_retries=MAX_RETRIES, num_cpus=1)
def run_point(task):
    fault = os.environ.get("BITNET_HW_SWEEP_FAULT_DIR")
    if fault:
        # Fault injection for the test suite: the first attempt of each task kills its worker
        # process, as a lost worker would; the retry finds the marker and runs.
        marker = os.path.join(fault, task["id"])
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)
    p = subprocess.run(task["argv"], cwd=task["cwd"], capture_output=True, text=True)
    return {"id": task["id"], "code": p.returncode, "stdout": p.stdout, "stderr": p.stderr[-8000:], "attempt_pid": os.getpid()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    a = ap.parse_args()
    if a.address != "auto":
        # ray.init retries an unreachable address for minutes; a sweep should say so at once.
        host, _, port = a.address.rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=10).close()
        except (OSError, ValueError) as e:
            sys.exit(f"no Ray cluster answers at {a.address} ({e})")
    tasks = [json.loads(line) for line in sys.stdin if line.strip()]
    env = {k: os.environ[k] for k in FORWARD_ENV if k in os.environ}
    ray.init(address=a.address, logging_level="ERROR", log_to_driver=False, runtime_env={"env_vars": env})
    refs = {run_point.remote(t): t["id"] for t in tasks}
    pending = list(refs)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for r in done:
            try:
                out = ray.get(r)
            except Exception as e:  # noqa: BLE001 - every Ray failure is reported with its point
                out = {"id": refs[r], "code": None, "error": f"{type(e).__name__}: {e}"[-4000:]}
            print(json.dumps(out), flush=True)
    ray.shutdown()


if __name__ == "__main__":
    main()
