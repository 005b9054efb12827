"""
The official Python client (Debian's python3-kubernetes) driven against a running Skiff.

Usage: client_checks.py KUBECONFIG NAMESPACE IMAGE

Runs each check in turn and prints one JSON object per line: {"check": name, "ok": bool, ...}.
A check that raises prints ok=false with the error, and the next check still runs, so the test
that reads this output names every failing check, not only the first. The client sends booleans
as True/False (watch=True, follow=True, stdout=True), which is what this suite is about.
"""
import json
import sys
import threading
import time
import traceback

from kubernetes import client, config, watch
from kubernetes.stream import portforward, stream

KUBECONFIG, NS, IMAGE = sys.argv[1], sys.argv[2], sys.argv[3]
config.load_kube_config(config_file=KUBECONFIG)
core = client.CoreV1Api()
rbac = client.RbacAuthorizationV1Api()


def report(check, ok, **extra):
    print(json.dumps({"check": check, "ok": ok, **extra}), flush=True)


def run(check, fn):
    try:
        extra = fn() or {}
        report(check, True, **extra)
    except Exception as err:  # noqa: BLE001 - every failure is reported, then the next check runs
        report(check, False, error=f"{type(err).__name__}: {err}", trace=traceback.format_exc()[-1500:])


def wait_for(what, fn, timeout=90):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            v = fn()
            if v:
                return v
        except Exception as err:  # noqa: BLE001 - retried until the deadline
            last = err
        time.sleep(0.25)
    raise TimeoutError(f"timed out waiting for {what} (last error: {last})")


def pod(name, command, ports=None):
    container = {"name": "main", "image": IMAGE, "command": ["sh", "-c", command]}
    if ports:
        container["ports"] = [{"containerPort": p} for p in ports]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"suite": "python"}},
        "spec": {"containers": [container], "terminationGracePeriodSeconds": 1},
    }


def running(name):
    def check():
        p = core.read_namespaced_pod(name, NS)
        return p.status.phase == "Running" and all(c.ready for c in (p.status.container_statuses or []))

    return wait_for(f"pod {name} running", check)


def check_watch():
    """watch=True: a stream of events, not a list; ADDED then MODIFIED then DELETED for one object."""
    seen = []
    w = watch.Watch()
    start_rv = core.list_namespaced_config_map(NS).metadata.resource_version

    def writer():
        time.sleep(0.5)
        core.create_namespaced_config_map(NS, {"metadata": {"name": "watched"}, "data": {"k": "1"}})
        core.patch_namespaced_config_map("watched", NS, {"data": {"k": "2"}})
        core.delete_namespaced_config_map("watched", NS)

    t = threading.Thread(target=writer)
    t.start()
    for ev in w.stream(
        core.list_namespaced_config_map, NS, resource_version=start_rv, timeout_seconds=30
    ):
        if ev["object"].metadata.name != "watched":
            continue
        seen.append([ev["type"], ev["object"].data.get("k") if ev["object"].data else None])
        if ev["type"] == "DELETED":
            w.stop()
    t.join()
    if [s[0] for s in seen] != ["ADDED", "MODIFIED", "DELETED"]:
        raise AssertionError(f"events: {seen}")
    return {"events": seen}


def check_exec():
    """exec with stdout=True/stderr=True over the WebSocket; the exit code comes from the Status."""
    core.create_namespaced_pod(NS, pod("execpod", "sleep 3600"))
    running("execpod")
    resp = stream(
        core.connect_get_namespaced_pod_exec,
        "execpod",
        NS,
        command=["sh", "-c", "echo out-line; echo err-line >&2; exit 3"],
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    resp.run_forever(timeout=20)
    out, err, code = resp.read_stdout(), resp.read_stderr(), resp.returncode
    resp.close()
    if "out-line" not in out or "err-line" not in err or code != 3:
        raise AssertionError(f"stdout={out!r} stderr={err!r} returncode={code!r}")
    # The preloaded form returns stdout (and, with stderr=True, interleaved) as one string.
    whole = stream(
        core.connect_get_namespaced_pod_exec,
        "execpod",
        NS,
        command=["cat", "/etc/hostname"],
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
    )
    if "execpod" not in whole:
        raise AssertionError(f"hostname via exec: {whole!r}")
    return {"returncode": code, "stdout": out.strip(), "stderr": err.strip()}


def check_port_forward():
    """port-forward over the WebSocket (v4.channel.k8s.io): an HTTP request to busybox httpd."""
    core.create_namespaced_pod(
        NS,
        pod(
            "pfpod",
            "mkdir -p /www && echo hello-from-python-pf > /www/index.html && exec httpd -f -p 8080 -h /www",
            ports=[8080],
        ),
    )
    running("pfpod")

    def fetch():
        pf = portforward(core.connect_get_namespaced_pod_portforward, "pfpod", NS, ports="8080")
        sock = pf.socket(8080)
        sock.setblocking(True)
        sock.settimeout(10)
        sock.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
        data = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        sock.close()
        err = pf.error(8080)
        pf.close()
        return data.decode(errors="replace"), err

    # httpd may still be binding its port right after the container reports Running.
    body, err = wait_for("an answer through the port-forward", lambda: (lambda r: r if "hello" in r[0] else None)(fetch()), 30)
    if "200" not in body.splitlines()[0] or "hello-from-python-pf" not in body:
        raise AssertionError(f"response: {body!r} error: {err!r}")
    return {"status_line": body.splitlines()[0]}


def check_logs_follow():
    """follow=True: lines arrive as the container writes them, the stream stays open."""
    core.create_namespaced_pod(
        NS, pod("logpod", "i=0; while [ $i -lt 1000 ]; do echo line-$i; i=$((i+1)); sleep 0.2; done")
    )
    running("logpod")
    resp = core.read_namespaced_pod_log("logpod", NS, follow=True, _preload_content=False)
    lines = []
    started = time.time()
    for raw in resp.stream():
        lines.extend(x for x in raw.decode().splitlines() if x)
        if len(lines) >= 8:
            break
        if time.time() - started > 30:
            break
    elapsed = time.time() - started
    resp.release_conn()
    if lines[:3] != ["line-0", "line-1", "line-2"] or len(lines) < 8:
        raise AssertionError(f"lines: {lines}")
    # 8 lines written 0.2 s apart cannot all be there at once unless the stream followed.
    return {"lines": len(lines), "seconds": round(elapsed, 2)}


def check_role():
    body = {
        "metadata": {"name": "pod-reader"},
        "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]}],
    }
    rbac.create_namespaced_role(NS, body)
    got = rbac.read_namespaced_role("pod-reader", NS)
    if got.rules[0].resources != ["pods", "pods/log"]:
        raise AssertionError(f"rules: {got.rules}")
    rbac.create_namespaced_role_binding(
        NS,
        {
            "metadata": {"name": "read-pods"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": NS}],
        },
    )
    names = [r.metadata.name for r in rbac.list_namespaced_role_binding(NS).items]
    if "read-pods" not in names:
        raise AssertionError(f"bindings: {names}")
    return {"role": got.metadata.name}


def check_replication_controller():
    rc = {
        "metadata": {"name": "py-rc"},
        "spec": {
            "replicas": 2,
            "selector": {"app": "py-rc"},
            "template": {
                "metadata": {"labels": {"app": "py-rc"}},
                "spec": {
                    "containers": [{"name": "main", "image": IMAGE, "command": ["sleep", "3600"]}],
                    "terminationGracePeriodSeconds": 1,
                },
            },
        },
    }
    core.create_namespaced_replication_controller(NS, rc)
    wait_for(
        "the RC's 2 replicas ready",
        lambda: (core.read_namespaced_replication_controller("py-rc", NS).status.ready_replicas or 0) == 2,
        120,
    )
    pods = core.list_namespaced_pod(NS, label_selector="app=py-rc").items
    owners = {p.metadata.owner_references[0].kind for p in pods}
    core.patch_namespaced_replication_controller_scale("py-rc", NS, {"spec": {"replicas": 1}})
    wait_for(
        "scaled down to 1",
        lambda: len([p for p in core.list_namespaced_pod(NS, label_selector="app=py-rc").items if not p.metadata.deletion_timestamp]) == 1,
        60,
    )
    return {"pods": len(pods), "owners": sorted(owners)}


run("watch", check_watch)
run("exec", check_exec)
run("port-forward", check_port_forward)
run("logs-follow", check_logs_follow)
run("role", check_role)
run("replicationcontroller", check_replication_controller)
