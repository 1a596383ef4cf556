"""deploy/kubernetes, checked offline: each variant is rendered by kubectl's
own kustomize, and every object is held to a small schema (kind and
apiVersion, the fields we use, no unknown ones where a typo would be silently
ignored), to its references (selectors that select the pod template, the
headless Service, named ports, ConfigMap, Secret and volumes), to the image
(its user and port) and to the probes. The ConfigMap's alertd.yaml must pass
`alertd check-config` with the Secret's values in its environment, and every
${VAR} it names must come from that Secret. The scale-out variant must run
several replicas on one Kafka group and one PostgreSQL store."""

import json
import os
import re
import subprocess
import tempfile
import unittest

from harness import alertd_bin

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
KUBE = os.path.join(ROOT, "deploy", "kubernetes")

API_VERSIONS = {"ConfigMap": "v1", "Secret": "v1", "Service": "v1", "StatefulSet": "apps/v1",
                "PodDisruptionBudget": "policy/v1",
                "ServiceMonitor": "monitoring.coreos.com/v1"}
# The fields of the objects we write that Kubernetes would ignore if misspelt
# (kubectl apply warns at best): anything else here is a typo.
ALLOWED = {
    "StatefulSet.spec": {"serviceName", "replicas", "podManagementPolicy", "updateStrategy",
                         "selector", "template", "volumeClaimTemplates",
                         "persistentVolumeClaimRetentionPolicy", "minReadySeconds"},
    "PodSpec": {"terminationGracePeriodSeconds", "securityContext", "containers", "volumes",
                "topologySpreadConstraints", "affinity", "serviceAccountName", "nodeSelector",
                "tolerations"},
    "Container": {"name", "image", "imagePullPolicy", "env", "envFrom", "ports", "startupProbe",
                  "livenessProbe", "readinessProbe", "resources", "securityContext",
                  "volumeMounts", "args"},
    "Probe": {"httpGet", "periodSeconds", "timeoutSeconds", "failureThreshold",
              "initialDelaySeconds", "successThreshold"},
    "Service.spec": {"type", "selector", "ports", "clusterIP", "publishNotReadyAddresses"},
}


def render(variant):
    yaml_text = subprocess.run(["kubectl", "kustomize", os.path.join(KUBE, variant)],
                               capture_output=True, text=True, timeout=60, check=True).stdout
    p = subprocess.run(["node", "yaml_to_json.js"], cwd=JS_DIR, input=yaml_text,
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError(p.stderr)
    return json.loads(p.stdout)


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


class Manifests(unittest.TestCase):
    def objects(self, variant):
        docs = render(variant)
        by_kind = {}
        for d in docs:
            self.assertEqual(d["apiVersion"], API_VERSIONS.get(d["kind"]), d["kind"])
            self.assertTrue(d["metadata"]["name"])
            by_kind.setdefault(d["kind"], []).append(d)
        self.assertEqual(set(by_kind), set(API_VERSIONS), "every kind the issue asks for")
        return by_kind

    def allowed(self, where, obj):
        unknown = set(obj) - ALLOWED[where]
        self.assertFalse(unknown, f"{where}: unknown fields {unknown}")

    def check_pod(self, objs):
        sts = objs["StatefulSet"][0]
        spec = sts["spec"]
        self.allowed("StatefulSet.spec", spec)
        pod = spec["template"]
        self.assertTrue(selects(spec["selector"]["matchLabels"], pod["metadata"]["labels"]))
        pod_spec = pod["spec"]
        self.allowed("PodSpec", pod_spec)
        (container,) = pod_spec["containers"]
        self.allowed("Container", container)
        # The image's USER (deploy/container/Containerfile) and port.
        with open(os.path.join(ROOT, "deploy", "container", "Containerfile")) as f:
            containerfile = f.read()
        uid = re.search(r"^USER (\d+):", containerfile, re.M).group(1)
        self.assertEqual(str(pod_spec["securityContext"]["runAsUser"]), uid)
        self.assertTrue(pod_spec["securityContext"]["runAsNonRoot"])
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        self.assertIn(f"EXPOSE {ports['http']}", containerfile)
        for probe, path in (("livenessProbe", "/-/healthy"), ("readinessProbe", "/-/ready"),
                            ("startupProbe", "/-/healthy")):
            self.allowed("Probe", container[probe])
            self.assertEqual(container[probe]["httpGet"]["path"], path)
            self.assertIn(container[probe]["httpGet"]["port"], ports)
        requests = container["resources"]["requests"]
        self.assertIn("cpu", requests)
        self.assertIn("memory", requests)
        volumes = {v["name"] for v in pod_spec["volumes"]}
        volumes |= {c["metadata"]["name"] for c in spec["volumeClaimTemplates"]}
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        self.assertTrue(set(mounts.values()) <= volumes, mounts)
        claim = mounts["/var/lib/alertd"]
        self.assertIn(claim, {c["metadata"]["name"] for c in spec["volumeClaimTemplates"]},
                      "store and journal on a persistent volume")
        return sts, container, ports

    def check_references(self, objs, sts, container, ports):
        pod_labels = sts["spec"]["template"]["metadata"]["labels"]
        services = {s["metadata"]["name"]: s for s in objs["Service"]}
        for s in services.values():
            self.allowed("Service.spec", s["spec"])
            self.assertTrue(selects(s["spec"]["selector"], pod_labels), s["metadata"]["name"])
            for p in s["spec"]["ports"]:
                self.assertIn(p["targetPort"], ports)
        self.assertEqual(services[sts["spec"]["serviceName"]]["spec"]["clusterIP"], "None")
        pdb = objs["PodDisruptionBudget"][0]
        self.assertTrue(selects(pdb["spec"]["selector"]["matchLabels"], pod_labels))
        monitor = objs["ServiceMonitor"][0]
        matched = [s for s in services.values()
                   if selects(monitor["spec"]["selector"]["matchLabels"], s["metadata"]["labels"])]
        self.assertEqual(len(matched), 1, "the ServiceMonitor scrapes each pod once")
        self.assertEqual(monitor["spec"]["endpoints"][0]["path"], "/metrics")
        for m in matched:
            self.assertIn(monitor["spec"]["endpoints"][0]["port"],
                          [p["name"] for p in m["spec"]["ports"]])
        secrets = {s["metadata"]["name"]: s for s in objs["Secret"]}
        (ref,) = [e["secretRef"]["name"] for e in container["envFrom"]]
        configs = {c["metadata"]["name"]: c for c in objs["ConfigMap"]}
        config_volume = [v for v in sts["spec"]["template"]["spec"]["volumes"] if "configMap" in v]
        (config,) = [configs[v["configMap"]["name"]] for v in config_volume]
        return config["data"]["alertd.yaml"], secrets[ref]["stringData"]

    def check_config(self, text, secret):
        names = set(re.findall(r"\$\{([A-Z0-9_]+)\}", text))
        self.assertTrue(names <= set(secret), f"not in the Secret: {names - set(secret)}")
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            f.write(text)
            f.flush()
            p = subprocess.run([alertd_bin(), "check-config", f.name], capture_output=True,
                               text=True, timeout=60, env={**os.environ, **secret})
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def check_variant(self, variant):
        objs = self.objects(variant)
        sts, container, ports = self.check_pod(objs)
        text, secret = self.check_references(objs, sts, container, ports)
        self.check_config(text, secret)
        return sts, text

    def test_single(self):
        sts, text = self.check_variant("single")
        self.assertEqual(sts["spec"]["replicas"], 1)
        self.assertIn("sqlite: /var/lib/alertd/", text)

    def test_scale_out(self):
        sts, text = self.check_variant("scale-out")
        self.assertGreater(sts["spec"]["replicas"], 1)
        self.assertRegex(text, r"(?m)^\s+group_id: \S+")
        self.assertRegex(text, r"(?m)^\s+postgres: ")
        self.assertNotIn("sqlite:", text)


if __name__ == "__main__":
    unittest.main()
