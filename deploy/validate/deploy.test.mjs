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
import { K8S, loadModels, renderLanes, staleLanes } from "./lanes.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MODELS = loadModels();
const OVERLAYS = { dev: { gpu: false, models: MODELS, overlay: "dev" }, gpu: { gpu: true, models: MODELS, overlay: "gpu" } };
const overlay = (name) => path.join(ROOT, "deploy/k8s/overlays", name);
const rendered = Object.fromEntries(Object.keys(OVERLAYS).map((name) => [name, render(overlay(name))]));
const find = (docs, kind, name) => docs.find((d) => d.kind === kind && d.metadata.name === name);
const workerOf = (docs, model = "demo-mask") => find(docs, "Deployment", `pitiserve-worker-${model}`).spec.template.spec;
const scalerOf = (docs, model = "demo-mask") => find(docs, "ScaledObject", `pitiserve-worker-${model}`);
const copy = (docs) => structuredClone(docs);

for (const [name, options] of Object.entries(OVERLAYS)) {
  test(`the ${name} overlay renders every object piti-serve needs`, () => {
    const kinds = rendered[name].map((d) => `${d.kind}/${d.metadata.name}`).sort();
    const lanes = MODELS.flatMap((m) => ["Deployment", "PodDisruptionBudget", "ScaledObject"]
      .map((kind) => `${kind}/pitiserve-worker-${m.name}`));
    assert.deepEqual(kinds, [
      "ConfigMap/pitiserve-config", "ConfigMap/pitiserve-gateway-models", "ConfigMap/pitiserve-grafana-dashboard",
      "Deployment/pitiserve-gateway",
      "HorizontalPodAutoscaler/pitiserve-gateway",
      "PodDisruptionBudget/pitiserve-gateway",
      "PrometheusRule/pitiserve", "Secret/pitiserve-s3", "Secret/pitiserve-tenants",
      "Service/pitiserve-gateway", "Service/pitiserve-worker-metrics",
      "ServiceMonitor/pitiserve-gateway", "ServiceMonitor/pitiserve-worker",
      ...lanes,
    ].sort());
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
    for (const m of MODELS) {
      assert.deepEqual(refs(`pitiserve-worker-${m.name}`), ["pitiserve-s3"]);
    }
    assert.deepEqual(refs("pitiserve-gateway"), ["pitiserve-s3", "pitiserve-tenants"]);
  }
});

test("the gpu overlay asks for one GPU per worker on tainted GPU nodes with the CUDA image", () => {
  for (const m of MODELS) {
    const pod = workerOf(rendered.gpu, m.name);
    const worker = pod.containers.find((c) => c.name === "worker");
    assert.equal(worker.resources.limits["nvidia.com/gpu"], "1");
    assert.equal(worker.image, "pitiserve/worker:0.1.0-cu128");
    assert.equal(worker.env.find((e) => e.name === "PITISERVE_WORKER_DEVICE").value, "gpu");
    assert.ok(pod.tolerations.some((t) => t.key === "nvidia.com/gpu"));
    assert.ok(pod.terminationGracePeriodSeconds >= 240 + 15);
  }
});

test("a schema violation is caught: a Deployment without a selector, a ScaledObject without scaleTargetRef", () => {
  const docs = copy(rendered.gpu);
  delete find(docs, "Deployment", "pitiserve-gateway").spec.selector;
  delete scalerOf(docs).spec.scaleTargetRef;
  const problems = checkSchemas(docs).join("\n");
  assert.match(problems, /Deployment\/pitiserve-gateway: .*selector/);
  assert.match(problems, /ScaledObject\/pitiserve-worker-demo-mask: .*scaleTargetRef/);
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
    scalerOf(docs).spec.maxReplicaCount = 49;
    return /lane demo-mask: maxReplicaCount 49 exceeds the 48 request partitions/;
  },
  "a lagThreshold not derived from the worker's concurrency": (docs) => {
    scalerOf(docs).spec.triggers[0].metadata.lagThreshold = "5";
    return /lagThreshold 5 should be 2 x PITISERVE_WORKER_CONCURRENCY \(16\)/;
  },
  "an activation threshold that strands a lone job": (docs) => {
    scalerOf(docs).spec.triggers[0].metadata.activationLagThreshold = "3";
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
    scalerOf(docs).spec.scaleTargetRef.name = "pitiserve-workers";
    return /scaleTargetRef names pitiserve-workers/;
  },
  "KEDA watching another topic than the lane's": (docs) => {
    scalerOf(docs).spec.triggers[0].metadata.topic = "pitiserve.requests";
    return /lane demo-mask: trigger topic pitiserve.requests is not the lane's requests topic pitiserve.requests.demo-mask/;
  },
  "two lanes scaled on one topic": (docs) => {
    scalerOf(docs, "demo-sketch").spec.triggers[0].metadata.topic = "pitiserve.requests.demo-mask";
    return /topic pitiserve.requests.demo-mask is scaled by ScaledObject\/pitiserve-worker-demo-mask too/;
  },
  "a lane's scaler aimed at another lane's Deployment": (docs) => {
    scalerOf(docs, "demo-sketch").spec.scaleTargetRef.name = "pitiserve-worker-demo-mask";
    return /lane demo-sketch: needs exactly one ScaledObject with scaleTargetRef pitiserve-worker-demo-sketch, found 0/;
  },
  "a lane without its ScaledObject": (docs) => {
    docs.splice(docs.indexOf(scalerOf(docs, "demo-sketch")), 1);
    return /lane demo-sketch: needs exactly one ScaledObject/;
  },
  "a listed model without a worker Deployment": (docs) => {
    docs.splice(docs.indexOf(find(docs, "Deployment", "pitiserve-worker-demo-sketch")), 1);
    return /lane demo-sketch: needs exactly one worker Deployment pitiserve-worker-demo-sketch, found none/;
  },
  "a worker Deployment outside the model list": (docs) => {
    const stray = structuredClone(find(docs, "Deployment", "pitiserve-worker-demo-sketch"));
    stray.metadata.name = "pitiserve-worker-depth";
    stray.metadata.labels["pitiserve.io/model"] = "depth";
    docs.push(stray);
    return /Deployment\/pitiserve-worker-depth: a worker outside the lanes of models.yaml/;
  },
  "a lane that does not scale to zero": (docs) => {
    scalerOf(docs, "demo-sketch").spec.minReplicaCount = 1;
    return /lane demo-sketch: minReplicaCount should be 0/;
  },
  "a lane without polling interval": (docs) => {
    delete scalerOf(docs, "demo-sketch").spec.pollingInterval;
    return /lane demo-sketch: pollingInterval and cooldownPeriod must be set/;
  },
  "a lane whose workers load another model": (docs) => {
    workerOf(docs, "demo-sketch").containers[0].env.find((e) => e.name === "PITISERVE_WORKER_MODELS").value =
      "s3://pitiserve-models/demo-mask/";
    return /pitiserve-worker-demo-sketch: PITISERVE_WORKER_MODELS is 's3:\/\/pitiserve-models\/demo-mask\/', the lane's model source is 's3:\/\/pitiserve-models\/demo-sketch\/'/;
  },
  "a lane without a PodDisruptionBudget": (docs) => {
    docs.splice(docs.indexOf(find(docs, "PodDisruptionBudget", "pitiserve-worker-demo-sketch")), 1);
    return /lane demo-sketch: no PodDisruptionBudget/;
  },
  "a model the gateway does not declare": (docs) => {
    const data = find(docs, "ConfigMap", "pitiserve-gateway-models").data;
    for (const key of Object.keys(data).filter((k) => k.startsWith("PITISERVE_GATEWAY_MODELS_1_"))) {
      delete data[key];
    }
    return /gateway: declares model demo-sketch 0 times/;
  },
  "a model declared with another task": (docs) => {
    find(docs, "ConfigMap", "pitiserve-gateway-models").data.PITISERVE_GATEWAY_MODELS_1_TASK = "mask";
    return /gateway: model demo-sketch is declared as task mask default true, models.yaml says sketch true/;
  },
  "a declared model without a lane": (docs) => {
    Object.assign(find(docs, "ConfigMap", "pitiserve-gateway-models").data, {
      PITISERVE_GATEWAY_MODELS_2_NAME: "depth", PITISERVE_GATEWAY_MODELS_2_TASK: "depth",
    });
    return /gateway: declares model depth, which has no lane/;
  },
};
for (const [what, breakIt] of Object.entries(BROKEN)) {
  test(`the manifest rules catch ${what}`, () => {
    const docs = copy(rendered.gpu);
    const expected = breakIt(docs);
    assert.match(checkManifests(docs, OVERLAYS.gpu).join("\n"), expected);
  });
}

test("the lanes in deploy/k8s are the ones models.yaml generates (deploy/k8s/render-lanes)", () => {
  assert.deepEqual(staleLanes(MODELS), []);
});

test("a model added to the list, or a lane file left behind, makes the lanes stale", () => {
  const more = [...MODELS, { name: "coco-depth", task: "depth", default: true, source: "s3://m/d/", maxReplicas: 2 }];
  assert.deepEqual(staleLanes(more).sort(), ["base/lanes/coco-depth.yaml", "base/lanes/gateway-models.yaml",
    "base/lanes/kustomization.yaml"]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pitiserve-lanes-"));
  for (const [file, text] of Object.entries(renderLanes(MODELS))) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  assert.deepEqual(staleLanes(MODELS, dir), []);
  fs.writeFileSync(path.join(dir, "base/lanes/retired.yaml"), "");
  assert.deepEqual(staleLanes(MODELS, dir), ["base/lanes/retired.yaml"]);
});

test("the model list refuses duplicate names, two defaults for a task and names unfit for a topic", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pitiserve-models-"));
  const file = path.join(dir, "models.yaml");
  fs.writeFileSync(file, yaml.dump({ models: [
    { name: "a", task: "mask", default: true, source: "bundled:a", maxReplicas: 1 },
    { name: "a", task: "mask", default: true, source: "bundled:a", maxReplicas: 1 },
    { name: "Sketch_1", task: "sketch", default: true, source: "bundled:s", maxReplicas: 0 },
  ] }));
  assert.throws(() => loadModels(file), (e) => /model a is listed twice/.test(e.message)
    && /task mask has 2 default models/.test(e.message) && /model name 'Sketch_1'/.test(e.message)
    && /model Sketch_1: maxReplicas must be a positive integer/.test(e.message));
});

test("every model of the list has its lane in both overlays, with the overlay's source", () => {
  for (const [name, options] of Object.entries(OVERLAYS)) {
    for (const m of MODELS) {
      const env = workerOf(rendered[name], m.name).containers[0].env;
      assert.equal(env.find((e) => e.name === "PITISERVE_WORKER_MODELS").value, m.overlays?.[name]?.source ?? m.source);
      assert.equal(scalerOf(rendered[name], m.name).spec.triggers[0].metadata.topic, `pitiserve.requests.${m.name}`);
    }
    assert.ok(options.models.some((m) => m.name === "demo-mask") && options.models.some((m) => m.name === "demo-sketch"));
  }
  assert.equal(K8S, path.join(ROOT, "deploy/k8s"));
});

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
  for (const service of ["gateway", "worker-mask", "worker-sketch", "worker-gpu"]) {
    Object.keys(compose.services[service].environment).forEach((n) => names.add(n));
  }
  assert.deepEqual(unknownEnvironment(names, known), []);
});

test("the environment check knows piti-serve's real property names and no invented ones", () => {
  assert.ok(known.has("PITISERVE_WORKER_DRAIN_TIMEOUT"));
  assert.ok(known.has("PITISERVE_GATEWAY_TENANTS_0_API_KEY_SHA256"));
  assert.ok(known.has("PITISERVE_S3_PATH_STYLE"));
  assert.deepEqual(unknownEnvironment(new Set(["PITISERVE_WORKER_DRAIN_TIMEOUTS"]), known), ["PITISERVE_WORKER_DRAIN_TIMEOUTS"]);
  assert.deepEqual(unknownEnvironment(new Set(["PITISERVE_GATEWAY_TENANTS_3_NAME", "PITISERVE_GATEWAY_TENANTS_3_NAMES"]), known),
    ["PITISERVE_GATEWAY_TENANTS_3_NAMES"]);
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
  assert.deepEqual(services.trim().split("\n").sort(),
    ["gateway", "kafka", "minio", "minio-buckets", "worker-gpu", "worker-mask", "worker-sketch"]);
});

test("docker-compose config refuses a broken compose file, so the check above can fail", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pitiserve-compose-"));
  const compose = yaml.load(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"));
  compose.services["worker-sketch"].stop_grace_period = { seconds: 150 };
  const file = path.join(dir, "docker-compose.yml");
  fs.writeFileSync(file, yaml.dump(compose));
  const result = composeConfig(file);
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /stop_grace_period/);
});

test("compose workers get longer to stop than they take to drain, and the GPU worker reserves a GPU", () => {
  const compose = yaml.load(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"));
  for (const name of ["worker-mask", "worker-sketch", "worker-gpu"]) {
    const service = compose.services[name];
    const drain = /\$\{PITISERVE_WORKER_DRAIN_TIMEOUT:-(\d+)s\}/.exec(service.environment.PITISERVE_WORKER_DRAIN_TIMEOUT)[1];
    assert.ok(Number.parseInt(service.stop_grace_period, 10) > Number(drain), name);
  }
  const gpu = compose.services["worker-gpu"];
  assert.deepEqual(gpu.profiles, ["gpu"]);
  assert.deepEqual(gpu.deploy.resources.reservations.devices[0].capabilities, ["gpu"]);
});

/** The bundled models a compose service's PITISERVE_WORKER_MODELS names by default, and the gateway's declarations. */
function composeModels(compose) {
  const served = (service) => {
    const value = compose.services[service].environment.PITISERVE_WORKER_MODELS ?? "";
    const fallback = /^\$\{\w+:-(.*)\}$/.exec(value)?.[1] ?? value;
    return fallback.split(",").filter(Boolean).map((s) => s.replace(/^bundled:/, "")).sort();
  };
  const gateway = compose.services.gateway.environment;
  const declared = Object.keys(gateway).filter((k) => /^PITISERVE_GATEWAY_MODELS_\d+_NAME$/.test(k)).map((k) => gateway[k]).sort();
  return { served, declared };
}

test("compose runs a worker per lane, and the gateway declares every model they serve", () => {
  const compose = yaml.load(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"));
  const { served, declared } = composeModels(compose);
  assert.deepEqual(served("worker-mask"), ["demo-mask"]);
  assert.deepEqual(served("worker-sketch"), ["demo-sketch"]);
  assert.deepEqual(served("worker-gpu"), ["demo-mask", "demo-sketch"]);
  assert.deepEqual(declared, ["demo-mask", "demo-sketch"]);
  const broken = structuredClone(compose);
  broken.services["worker-sketch"].environment.PITISERVE_WORKER_MODELS = "${PITISERVE_SKETCH_WORKER_MODELS:-bundled:demo-mask}";
  assert.notDeepEqual(composeModels(broken).served("worker-sketch"), ["demo-sketch"]);
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
