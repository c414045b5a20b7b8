#!/usr/bin/env python3
"""A stand-in for kubectl that runs the pods of `tuner k8s run`'s Indexed Job as processes on this machine, for
testing KubectlShardLauncher without a cluster. It understands the calls the launcher makes and nothing else:

  apply -f FILE           reads the ConfigMap (its files) and the Job (checked: Indexed, completions = parallelism,
                          backoffLimit 0, SHARD_INDEX from the completion-index annotation, a readiness probe on
                          /ready); starts pod I as `tuner ARGS` with $(SHARD_INDEX) = I, the ConfigMap mounted where
                          the Job mounts it, and the pod's own address 127.0.0.(10+I) for the start barrier
                          (`0.0.0.0:PORT` in the args: every pod of a real cluster has its own IP)
  get pods ... -o jsonpath=...     index|podIP|ready|phase per pod; ready = its barrier answers GET /ready
  run NAME ... -- ARGS    the starter pod: `tuner ARGS`, in the foreground of nobody (its exit code kept)
  wait ... pod/NAME       waits until the starter has exited; fails when it failed
  get job NAME ...        "SUCCEEDED FAILED" counts of the pods that have exited
  logs ... -l SELECTOR    pod I's output (--tail=N: its last N lines)
  delete ...              kills every pod and the starter still running

Environment: FAKE_KUBE_STATE (a directory for the pods' state and `calls.log`, one line per call),
FAKE_KUBE_TUNER (the tuner binary the image would hold), FAKE_KUBE_FAIL_INDEX (optional: that pod exits 3 at once,
printing "shard failed to start").
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import yaml

STATE = os.environ["FAKE_KUBE_STATE"]
TUNER = os.environ["FAKE_KUBE_TUNER"]
PODS = os.path.join(STATE, "pods.json")


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def load_pods():
    if not os.path.exists(PODS):
        return []
    with open(PODS) as f:
        return json.load(f)


def save_pods(pods):
    with open(PODS, "w") as f:
        json.dump(pods, f)


def start(name, argv):
    """Runs argv detached (a session of its own, none of this process's output: kubectl's caller reads that to its
    end), its output and exit code in files named after it."""
    base = os.path.join(STATE, name)
    script = 'out="$1"; shift; "$@" >"$out.out" 2>"$out.err"; echo $? >"$out.exit"'
    process = subprocess.Popen(["/bin/sh", "-c", script, "sh", base] + argv, start_new_session=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process.pid


def exit_code(name):
    path = os.path.join(STATE, name + ".exit")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        text = f.read().strip()
    return int(text) if text else None


def option(args, name):
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg[len(name) + 1:]
    return None


def apply(args):
    path = option(args, "-f") or fail("apply needs -f FILE")
    with open(path) as f:
        documents = [d for d in yaml.safe_load_all(f) if d]
    files = {}
    job = None
    for document in documents:
        if document["kind"] == "ConfigMap":
            files = document.get("data", {})
        elif document["kind"] == "Job":
            job = document
    job or fail("no Job in the manifest")
    spec = job["spec"]
    if spec.get("completionMode") != "Indexed":
        fail("the Job is not Indexed")
    if spec.get("completions") != spec.get("parallelism"):
        fail("completions and parallelism differ: the pods would not all run at once")
    if spec.get("backoffLimit") != 0:
        fail("a failed shard would be retried")
    container = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container.get("env", [])}
    field = env.get("SHARD_INDEX", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath", "")
    if "job-completion-index" not in field:
        fail("SHARD_INDEX does not come from the completion index")
    probe = container.get("readinessProbe", {}).get("httpGet", {})
    if probe.get("path") != "/ready":
        fail("no readiness probe on /ready")
    mount = os.path.join(STATE, "etc-tuner")
    os.makedirs(mount, exist_ok=True)
    for name, content in files.items():
        with open(os.path.join(mount, name), "w") as f:
            f.write(content)
    mount_path = next((m["mountPath"] for m in container.get("volumeMounts", [])), None)
    failing = os.environ.get("FAKE_KUBE_FAIL_INDEX")
    pods = []
    for index in range(spec["completions"]):
        ip = f"127.0.0.{10 + index}"
        argv = []
        for arg in container["args"]:
            arg = arg.replace("$(SHARD_INDEX)", str(index)).replace("0.0.0.0:", ip + ":")
            if mount_path:
                arg = arg.replace(mount_path, mount)
            argv.append(arg)
        if failing is not None and int(failing) == index:
            argv = ["/bin/sh", "-c", "echo shard failed to start >&2; exit 3"]
        else:
            argv = [TUNER] + argv
        pods.append({"index": index, "ip": ip, "pid": start(f"pod-{index}", argv)})
    save_pods(pods)
    print(f"job.batch/{job['metadata']['name']} created")


def ready(ip, port):
    try:
        with urllib.request.urlopen(f"http://{ip}:{port}/ready", timeout=0.5) as response:
            return response.status == 200
    except Exception:
        return False


def phase(name):
    code = exit_code(name)
    return "Running" if code is None else ("Succeeded" if code == 0 else "Failed")


def get(args):
    if args[0] == "pods":
        port = 6565
        for pod in load_pods():
            state = phase(f"pod-{pod['index']}")
            is_ready = state == "Running" and ready(pod["ip"], port)
            print(f"{pod['index']}|{pod['ip']}|{'True' if is_ready else 'False'}|{state}")
    elif args[0] == "job":
        codes = [exit_code(f"pod-{pod['index']}") for pod in load_pods()]
        print(f"{sum(1 for c in codes if c == 0)} {sum(1 for c in codes if c not in (None, 0))}", end="")
    else:
        fail(f"get {args[0]}: not simulated")


def run(args):
    name = args[0]
    command = args[args.index("--") + 1:]
    start(name, [TUNER] + command)


def wait(args):
    target = next(a for a in args if a.startswith("pod/"))[4:]
    for _ in range(600):
        code = exit_code(target)
        if code is not None:
            if code != 0:
                with open(os.path.join(STATE, target + ".err")) as f:
                    fail(f"pod/{target} failed: {f.read().strip()}")
            print(f"pod/{target} condition met")
            return
        time.sleep(0.05)
    fail(f"timed out waiting for pod/{target}")


def logs(args):
    selector = option(args, "-l") or fail("logs needs -l")
    match = re.search(r"job-completion-index=(\d+)", selector) or fail("logs of one pod only")
    name = f"pod-{match.group(1)}"
    text = ""
    for suffix in (".out", ".err"):
        path = os.path.join(STATE, name + suffix)
        if os.path.exists(path):
            with open(path) as f:
                text += f.read()
    tail = int(option(args, "--tail") or "-1")
    lines = text.splitlines()
    print("\n".join(lines if tail < 0 else lines[-tail:]))


def delete(args):
    for pod in load_pods():
        if exit_code(f"pod-{pod['index']}") is None:
            try:
                os.killpg(pod["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass
    print("deleted")


def main():
    args = sys.argv[1:]
    with open(os.path.join(STATE, "calls.log"), "a") as f:
        f.write(" ".join(args) + "\n")
    commands = {"apply": apply, "get": get, "run": run, "wait": wait, "logs": logs, "delete": delete}
    if not args or args[0] not in commands:
        fail(f"not simulated: {' '.join(args)}")
    commands[args[0]](args[1:])


if __name__ == "__main__":
    main()
