"""The container image (deploy/container/Containerfile), built by
scripts/build-image with buildah around the binary under test. Its config:
a non-root user, /var/lib/alertd a volume and the working directory, a
health check on /-/healthy, the entrypoint. Then it runs, twice where it can:
- its root filesystem mounted and its entrypoint run in a chroot as the
  image's user (needs root; runs everywhere);
- under podman, only where podman can run a container (in this sandbox no
  OCI runtime may set rlimits, so that test is skipped, saying why).
Each time the config comes from the environment and a token from another
variable, and an alert posted into it becomes an incident. In the chroot,
the store is written as the image's user under /var/lib/alertd, and the
image's own health-check command passes while alertd runs, fails after."""

import json
import os
import shutil
import subprocess
import textwrap
import unittest

from harness import Daemon, DaemonTestCase, alertd_bin, am_alert

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TAG = "localhost/alertd:integration-test"
TOKEN = "ctr-6f1e2d3c4b5a69788796a5b4c3d2e1f0"
CONFIG = textwrap.dedent("""\
    correlation:
      group_window: 10m
    auth:
      tokens:
        - {token: "${ALERTD_ADMIN_TOKEN}", role: admin, name: ops}
      open_ingest: [alertmanager]
    """)


def run(args, timeout=120, check=True):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {p.returncode}:\n{p.stderr[-3000:]}")
    return p


def sanitizer_runtimes(binary):
    """The packages an instrumented test binary needs in the image too."""
    libs = run(["ldd", binary]).stdout
    return " ".join(pkg for lib, pkg in (("libasan.so.8", "libasan8"), ("libubsan.so.1", "libubsan1"))
                    if lib in libs)


class ChrootDaemon(Daemon):
    """The image's entrypoint in its root filesystem, as its user (10001)."""

    def __init__(self, workdir, rootfs, env):
        super().__init__(workdir)
        self.rootfs = rootfs
        self.image_env = env

    def start(self):
        port_file = os.path.join(self.rootfs, "var/lib/alertd/port")
        env = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/var/lib/alertd",
               "ALERTD_LISTEN=127.0.0.1:0"] + [f"{k}={v}" for k, v in self.image_env.items()]
        args = ["chroot", "--userspec=10001:10001", self.rootfs, "/usr/bin/env", "-i", *env,
                "/bin/sh", "-c",
                "cd /var/lib/alertd && exec /usr/local/bin/alertd-entrypoint "
                "--port-file /var/lib/alertd/port"]
        return self.spawn(args, port_file, {"PATH": os.environ["PATH"]})


class ContainerImage(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("buildah", "podman", "debootstrap", "chroot"):
            if shutil.which(tool) is None:
                raise AssertionError(f"{tool} missing: run scripts/setup")
        run([os.path.join(ROOT, "scripts", "build-image"), "--binary", alertd_bin(),
             "--tag", TAG, "--extra-packages", sanitizer_runtimes(alertd_bin())], timeout=900)

    @classmethod
    def tearDownClass(cls):
        # An instrumented image is 700 MB: leave none behind (the base stays cached).
        run(["buildah", "rmi", "--force", TAG], check=False)

    def test_image_config(self):
        info = json.loads(run(["buildah", "inspect", "--type", "image", TAG]).stdout)
        config = info["Docker"]["config"]
        self.assertEqual(config["User"], "10001:10001", "not root")
        self.assertIn("/var/lib/alertd", config["Volumes"])
        self.assertEqual(config["WorkingDir"], "/var/lib/alertd")
        self.assertEqual(config["Entrypoint"], ["/usr/local/bin/alertd-entrypoint"])
        self.assertIn("/-/healthy", " ".join(config["Healthcheck"]["Test"]))
        self.assertIn("ALERTD_LISTEN=0.0.0.0:9880", config["Env"])

    def can_run_containers(self):
        p = run(["podman", "run", "--rm", TAG, "--version"], check=False)
        if p.returncode != 0:
            print(f"\npodman cannot run containers here, testing the rootfs in a chroot: "
                  f"{p.stderr.strip()[-300:]}")
        return p.returncode == 0

    def check_alert_becomes_incident(self, d):
        self.assertEqual(d.get("/api/v1/incidents").status, 401, "the config came from env")
        d.post_alerts([am_alert({"alertname": "InImage", "service": "ctr", "instance": "a"})])
        auth = {"Authorization": f"Bearer {TOKEN}"}
        incidents = d.wait_for(
            lambda: (lambda r: r.status == 200 and r.json()["incidents"])(
                d.request("GET", "/api/v1/incidents", headers=auth)), what="the incident")
        self.assertEqual([i["service"] for i in incidents], ["ctr"])

    def test_the_image_runs_under_podman_where_containers_can_run(self):
        if not self.can_run_containers():
            self.skipTest("podman cannot run containers on this machine; "
                          "the chroot test covers the image")
        name = f"alertd-it-{os.getpid()}"
        run(["podman", "run", "-d", "--name", name, "-p", "127.0.0.1::9880",
             "-e", f"ALERTD_CONFIG_YAML={CONFIG}", "-e", f"ALERTD_ADMIN_TOKEN={TOKEN}", TAG])
        self.addCleanup(run, ["podman", "rm", "-f", name], check=False)
        d = Daemon(self.make_workdir())
        d.port = int(run(["podman", "port", name, "9880"]).stdout.strip().rsplit(":", 1)[1])
        d.wait_for(lambda: d.get("/-/ready").status == 200, what="/-/ready in the container")
        self.check_alert_becomes_incident(d)
        self.assertEqual(run(["podman", "healthcheck", "run", name], check=False).returncode, 0)
        run(["podman", "stop", "-t", "30", name])

    def test_an_alert_posted_into_the_image_rootfs_becomes_an_incident(self):
        container = run(["buildah", "from", TAG]).stdout.strip()
        self.addCleanup(run, ["buildah", "rm", container], check=False)
        rootfs = run(["buildah", "mount", container]).stdout.strip()
        self.addCleanup(run, ["buildah", "umount", container], check=False)
        for target, how in (("proc", ["-t", "proc", "proc"]), ("dev", ["--bind", "/dev"])):
            run(["mount", *how, os.path.join(rootfs, target)])
            self.addCleanup(run, ["umount", "-l", os.path.join(rootfs, target)], check=False)

        d = ChrootDaemon(self.make_workdir(), rootfs,
                         {"ALERTD_CONFIG_YAML": CONFIG, "ALERTD_ADMIN_TOKEN": TOKEN})
        self._daemons.append(d)
        self.addCleanup(d.kill)
        d.start()
        self.check_alert_becomes_incident(d)
        db = os.path.join(rootfs, "var/lib/alertd/data/alertd.db")
        self.assertEqual(os.stat(db).st_uid, 10001, "state is written as the image's user")

        health = json.loads(run(["buildah", "inspect", "--type", "image", TAG]).stdout)
        check = health["Docker"]["config"]["Healthcheck"]["Test"][1]
        probe = run(["chroot", "--userspec=10001:10001", rootfs, "/usr/bin/env", "-i",
                     "PATH=/usr/bin:/bin", f"ALERTD_LISTEN=127.0.0.1:{d.port}", "/bin/sh", "-c",
                     check], check=False)
        self.assertEqual(probe.returncode, 0, probe.stderr)
        d.stop()
        probe = run(["chroot", rootfs, "/usr/bin/env", "-i", "PATH=/usr/bin:/bin",
                     f"ALERTD_LISTEN=127.0.0.1:{d.port}", "/bin/sh", "-c", check], check=False)
        self.assertNotEqual(probe.returncode, 0, "the health check fails once alertd is gone")


if __name__ == "__main__":
    unittest.main()
