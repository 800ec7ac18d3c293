// The deploy files of piti-serve, checked offline: Kustomize overlays rendered and validated
// against the Kubernetes, KEDA and Prometheus Operator schemas and against the rules of
// docs/SCALING.md; Dockerfiles; docker-compose.yml through docker-compose 1.29's own `config`.
// Every rule is also shown to fail on a broken copy, so that none of them passes by construction.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { kubectlAvailable, render, renderBuiltin, renderWithKubectl } from "./kustomize.mjs";
import {
  checkDockerfile, checkManifests, checkSchemas, environmentNames, knownEnvironment, unknownEnvironment,
} from "./checks.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OVERLAYS = { dev: { gpu: false }, gpu: { gpu: true } };
const overlay = (name) => path.join(ROOT, "deploy/k8s/overlays", name);
const rendered = Object.fromEntries(Object.keys(OVERLAYS).map((name) => [name, render(overlay(name))]));
const find = (docs, kind, name) => docs.find((d) => d.kind === kind && d.metadata.name === name);
const workerOf = (docs) => find(docs, "Deployment", "pitiserve-worker").spec.template.spec;
const copy = (docs) => structuredClone(docs);

for (const [name, options] of Object.entries(OVERLAYS)) {
  test(`the ${name} overlay renders every object piti-serve needs`, () => {
    const kinds = rendered[name].map((d) => `${d.kind}/${d.metadata.name}`).sort();
    assert.deepEqual(kinds, [
      "ConfigMap/pitiserve-config", "ConfigMap/pitiserve-grafana-dashboard",
      "Deployment/pitiserve-gateway", "Deployment/pitiserve-worker",
      "HorizontalPodAutoscaler/pitiserve-gateway",
      "PodDisruptionBudget/pitiserve-gateway", "PodDisruptionBudget/pitiserve-worker",
      "PrometheusRule/pitiserve", "ScaledObject/pitiserve-worker", "Secret/pitiserve-s3", "Secret/pitiserve-tenants",
      "Service/pitiserve-gateway", "Service/pitiserve-worker-metrics",
      "ServiceMonitor/pitiserve-gateway", "ServiceMonitor/pitiserve-worker",
    ]);
    assert.ok(rendered[name].every((d) => d.metadata.namespace === (name === "dev" ? "pitiserve-dev" : "pitiserve")));
  });

  test(`every object of the ${name} overlay passes its Kubernetes, KEDA or Prometheus Operator schema`, () => {
    assert.deepEqual(checkSchemas(rendered[name]), []);
  });

  test(`the ${name} overlay's objects fit together and keep the scaling rules`, () => {
    assert.deepEqual(checkManifests(rendered[name], options), []);
  });
}

test("the built-in renderer gives what kubectl kustomize gives", { skip: !kubectlAvailable() && "kubectl is not installed" }, () => {
  for (const name of Object.keys(OVERLAYS)) {
    assert.deepEqual(normalise(renderBuiltin(overlay(name))), normalise(renderWithKubectl(overlay(name))), name);
  }
});

test("workers get the object-store credentials but never the tenants' keys and webhook secrets", () => {
  for (const name of Object.keys(OVERLAYS)) {
    const refs = (deployment) => find(rendered[name], "Deployment", deployment).spec.template.spec.containers[0]
      .envFrom.filter((s) => s.secretRef).map((s) => s.secretRef.name).sort();
    assert.deepEqual(refs("pitiserve-worker"), ["pitiserve-s3"]);
    assert.deepEqual(refs("pitiserve-gateway"), ["pitiserve-s3", "pitiserve-tenants"]);
  }
});

test("the gpu overlay asks for one GPU per worker on tainted GPU nodes with the CUDA image", () => {
  const pod = workerOf(rendered.gpu);
  const worker = pod.containers.find((c) => c.name === "worker");
  assert.equal(worker.resources.limits["nvidia.com/gpu"], "1");
  assert.equal(worker.image, "pitiserve/worker:0.1.0-cu128");
  assert.equal(worker.env.find((e) => e.name === "PITISERVE_WORKER_DEVICE").value, "gpu");
  assert.ok(pod.tolerations.some((t) => t.key === "nvidia.com/gpu"));
  assert.ok(pod.terminationGracePeriodSeconds >= 240 + 15);
});

test("a schema violation is caught: a Deployment without a selector, a ScaledObject without scaleTargetRef", () => {
  const docs = copy(rendered.gpu);
  delete find(docs, "Deployment", "pitiserve-gateway").spec.selector;
  delete find(docs, "ScaledObject", "pitiserve-worker").spec.scaleTargetRef;
  const problems = checkSchemas(docs).join("\n");
  assert.match(problems, /Deployment\/pitiserve-gateway: .*selector/);
  assert.match(problems, /ScaledObject\/pitiserve-worker: .*scaleTargetRef/);
});

test("an object of a kind without a known schema is refused", () => {
  const docs = [...copy(rendered.dev), { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }];
  assert.match(checkSchemas(docs).join("\n"), /Widget\/w: no schema known/);
});

const BROKEN = {
  "a Service whose selector matches no pod": (docs) => {
    find(docs, "Service", "pitiserve-gateway").spec.selector = { "app.kubernetes.io/name": "nothing" };
    return /Service\/pitiserve-gateway: selector/;
  },
  "more worker replicas than request partitions": (docs) => {
    find(docs, "ScaledObject", "pitiserve-worker").spec.maxReplicaCount = 49;
    return /maxReplicaCount 49 exceeds the 48 request partitions/;
  },
  "a lagThreshold not derived from the worker's concurrency": (docs) => {
    find(docs, "ScaledObject", "pitiserve-worker").spec.triggers[0].metadata.lagThreshold = "5";
    return /lagThreshold 5 should be 2 x PITISERVE_WORKER_CONCURRENCY \(16\)/;
  },
  "an activation threshold that strands a lone job": (docs) => {
    find(docs, "ScaledObject", "pitiserve-worker").spec.triggers[0].metadata.activationLagThreshold = "3";
    return /activationLagThreshold must be 0/;
  },
  "a grace period shorter than the drain": (docs) => {
    workerOf(docs).terminationGracePeriodSeconds = 200;
    return /terminationGracePeriodSeconds 200 must exceed PITISERVE_WORKER_DRAIN_TIMEOUT \(240s\)/;
  },
  "a worker without a preStop hook": (docs) => {
    delete workerOf(docs).containers[0].lifecycle;
    return /no preStop hook/;
  },
  "a worker without its readiness probe": (docs) => {
    delete workerOf(docs).containers[0].readinessProbe;
    return /no readiness probe/;
  },
  "a gpu worker without a GPU": (docs) => {
    delete workerOf(docs).containers[0].resources.limits["nvidia.com/gpu"];
    return /needs limits nvidia.com\/gpu: 1/;
  },
  "an unpinned image": (docs) => {
    workerOf(docs).containers[0].image = "pitiserve/worker:latest";
    return /needs a fixed tag/;
  },
  "a ServiceMonitor scraping a port no Service has": (docs) => {
    find(docs, "ServiceMonitor", "pitiserve-worker").spec.endpoints[0].port = "metrics";
    return /endpoint port 'metrics'/;
  },
  "a scaler aimed at a missing Deployment": (docs) => {
    find(docs, "ScaledObject", "pitiserve-worker").spec.scaleTargetRef.name = "pitiserve-workers";
    return /scaleTargetRef names pitiserve-workers/;
  },
  "KEDA watching another topic than the workers read": (docs) => {
    find(docs, "ScaledObject", "pitiserve-worker").spec.triggers[0].metadata.topic = "pitiserve.events";
    return /trigger topic pitiserve.events is not the requests topic/;
  },
};
for (const [what, breakIt] of Object.entries(BROKEN)) {
  test(`the manifest rules catch ${what}`, () => {
    const docs = copy(rendered.gpu);
    const expected = breakIt(docs);
    assert.match(checkManifests(docs, { gpu: true }).join("\n"), expected);
  });
}

const known = knownEnvironment(ROOT);

test("every environment variable the manifests set is read by piti-serve or its platform", () => {
  for (const name of Object.keys(OVERLAYS)) {
    const unknown = unknownEnvironment(environmentNames(rendered[name]), known);
    assert.deepEqual(unknown, [], name);
  }
});

test("every environment variable docker-compose.yml sets is read by piti-serve or its platform", () => {
  const compose = yaml.load(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"));
  const names = new Set();
  for (const service of ["gateway", "worker", "worker-gpu"]) {
    Object.keys(compose.services[service].environment).forEach((n) => names.add(n));
  }
  assert.deepEqual(unknownEnvironment(names, known), []);
});

test("the environment check knows piti-serve's real property names and no invented ones", () => {
  assert.ok(known.has("PITISERVE_WORKER_DRAIN_TIMEOUT"));
  assert.ok(known.has("PITISERVE_GATEWAY_TENANTS_0_API_KEY_SHA256"));
  assert.ok(known.has("PITISERVE_S3_PATH_STYLE"));
  assert.deepEqual(unknownEnvironment(new Set(["PITISERVE_WORKER_DRAIN_TIMEOUTS"]), known), ["PITISERVE_WORKER_DRAIN_TIMEOUTS"]);
});

const DOCKERFILES = ["gateway.Dockerfile", "worker.Dockerfile", "worker-cpu.Dockerfile"];
for (const file of DOCKERFILES) {
  test(`${file}: pinned bases, non-root, health check, exec-form entry point`, () => {
    const text = fs.readFileSync(path.join(ROOT, "deploy/docker", file), "utf8");
    assert.deepEqual(checkDockerfile(text, file), []);
  });
}

test("the GPU worker image brings libtorch 2.7.1 cu128 checked by sha256 and runs DJL offline on it", () => {
  const text = fs.readFileSync(path.join(ROOT, "deploy/docker/worker.Dockerfile"), "utf8");
  assert.match(text, /libtorch-cxx11-abi-shared-with-deps-2\.7\.1%2Bcu128\.zip/);
  assert.match(text, /sha256sum -c/);
  for (const env of ["PYTORCH_LIBRARY_PATH=/opt/libtorch/lib", "PYTORCH_VERSION=2.7.1", "PYTORCH_FLAVOR=cu128",
    "DJL_OFFLINE=true", "PITISERVE_WORKER_DEVICE=gpu"]) {
    assert.ok(text.includes(env), env);
  }
});

test("the Dockerfile rules catch root, a missing health check, latest and a shell-form entry point", () => {
  const broken = [
    "ARG BASE=eclipse-temurin:latest",
    "FROM ${BASE}",
    "USER root",
    'ENTRYPOINT java -jar app.jar',
  ].join("\n");
  const problems = checkDockerfile(broken, "broken").join("\n");
  assert.match(problems, /'eclipse-temurin:latest' is not pinned/);
  assert.match(problems, /runs as root/);
  assert.match(problems, /no HEALTHCHECK/);
  assert.match(problems, /exec form/);
});

function composeConfig(file) {
  return spawnSync("docker-compose", ["-f", file, "config", "-q"], {
    cwd: ROOT, encoding: "utf8",
    env: { ...process.env, PITISERVE_API_KEY_SHA256: "0".repeat(64) },
  });
}

test("docker-compose.yml passes docker-compose config, with and without the gpu profile", () => {
  assert.ok(spawnSync("docker-compose", ["version"]).status === 0,
    "docker-compose is needed: apt-get install -y --no-install-recommends docker-compose");
  const result = composeConfig("docker-compose.yml");
  assert.equal(result.status, 0, result.stderr);
  const services = execFileSync("docker-compose", ["-f", "docker-compose.yml", "--profile", "gpu", "config", "--services"],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, PITISERVE_API_KEY_SHA256: "0".repeat(64) } });
  assert.deepEqual(services.trim().split("\n").sort(), ["gateway", "kafka", "minio", "minio-buckets", "worker", "worker-gpu"]);
});

test("docker-compose config refuses a broken compose file, so the check above can fail", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pitiserve-compose-"));
  const compose = yaml.load(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"));
  compose.services.worker.stop_grace_period = { seconds: 150 };
  const file = path.join(dir, "docker-compose.yml");
  fs.writeFileSync(file, yaml.dump(compose));
  const result = composeConfig(file);
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /stop_grace_period/);
});

test("compose workers get longer to stop than they take to drain, and the GPU worker reserves a GPU", () => {
  const compose = yaml.load(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"));
  for (const name of ["worker", "worker-gpu"]) {
    const service = compose.services[name];
    const drain = /\$\{PITISERVE_WORKER_DRAIN_TIMEOUT:-(\d+)s\}/.exec(service.environment.PITISERVE_WORKER_DRAIN_TIMEOUT)[1];
    assert.ok(Number.parseInt(service.stop_grace_period, 10) > Number(drain), name);
  }
  const gpu = compose.services["worker-gpu"];
  assert.deepEqual(gpu.profiles, ["gpu"]);
  assert.deepEqual(gpu.deploy.resources.reservations.devices[0].capabilities, ["gpu"]);
});

/** Objects by kind/name, keyed lists sorted by their merge key (their order carries no meaning). */
function normalise(docs) {
  const sortKeyed = (value, key) => {
    if (Array.isArray(value)) {
      const mergeKey = { containers: "name", env: "name", volumes: "name", volumeMounts: "mountPath" }[key];
      const items = value.map((v) => sortKeyed(v));
      return mergeKey ? items.sort((a, b) => String(a[mergeKey]).localeCompare(String(b[mergeKey]))) : items;
    }
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sortKeyed(v, k)]));
    }
    return value;
  };
  return Object.fromEntries(docs.map((d) => [`${d.kind}/${d.metadata.name}`, sortKeyed(d)]));
}
