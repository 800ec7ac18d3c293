// piti-serve's rules for its deploy files. Each check returns a list of problems (strings); an
// empty list means the files keep the rule. deploy.test.mjs runs them on the real files and on
// deliberately broken copies, so that every check is seen to fail at least once.
import fs from "node:fs";
import path from "node:path";
import { ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { podContainers, splitImage } from "./kustomize.mjs";
import { MODEL_LABEL, deploymentName, laneTopic } from "./lanes.mjs";

const MODELS = {
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

/** The consumer's max.poll.interval.ms default: a drain on revocation runs inside poll(). */
const MAX_POLL_INTERVAL_SECONDS = 300;

const id = (doc) => `${doc.kind}/${doc.metadata?.name}`;

/** Every document against the schema of its apiVersion and kind; unknown kinds are problems too. */
export function checkSchemas(docs) {
  const problems = [];
  for (const doc of docs) {
    const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    if (!Model) {
      problems.push(`${id(doc)}: no schema known for ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (e) {
      problems.push(`${id(doc)}: ${e.message}`);
    }
  }
  return problems;
}

const of = (docs, kind) => docs.filter((d) => d.kind === kind);
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector ?? {}).length > 0;

function envOf(container, configMaps) {
  const env = {};
  for (const source of container.envFrom ?? []) {
    const map = source.configMapRef && configMaps.find((c) => c.metadata.name === source.configMapRef.name);
    Object.assign(env, map?.data ?? {});
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value;
    }
  }
  return env;
}

/** Seconds of a Spring Boot duration such as 120s, 4m, 500ms or PT2M; NaN when unreadable. */
export function seconds(duration) {
  const text = String(duration).trim();
  const simple = /^(\d+)(ms|s|m|h)?$/.exec(text);
  if (simple) {
    const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[simple[2] ?? "ms"];
    return Number(simple[1]) * unit;
  }
  const iso = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/i.exec(text);
  return iso ? (Number(iso[1] ?? 0) * 3600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0)) : NaN;
}

/**
 * How the rendered objects fit together, and the worker rules of docs/SCALING.md.
 *
 * @param options.gpu     whether the overlay runs workers on NVIDIA GPUs
 * @param options.models  the model list (deploy/k8s/models.yaml): one lane each
 * @param options.overlay the overlay's name, which picks each model's source
 */
export function checkManifests(docs, { gpu = false, models = [], overlay = undefined } = {}) {
  const problems = [];
  const deployments = of(docs, "Deployment");
  const configMaps = of(docs, "ConfigMap");
  const secrets = of(docs, "Secret");
  const services = of(docs, "Service");
  const podLabels = (d) => d.spec?.template?.metadata?.labels ?? {};

  for (const d of deployments) {
    if (!matches(d.spec?.selector?.matchLabels, podLabels(d))) {
      problems.push(`${id(d)}: selector ${JSON.stringify(d.spec?.selector?.matchLabels)} does not match its pod labels`);
    }
    const pod = d.spec?.template?.spec ?? {};
    for (const c of podContainers(d)) {
      const { tag } = splitImage(c.image ?? "");
      if (!tag || tag === "latest") {
        problems.push(`${id(d)}: container ${c.name} image '${c.image}' needs a fixed tag`);
      }
      if (!(c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) {
        problems.push(`${id(d)}: container ${c.name} may run as root (runAsNonRoot)`);
      }
      if (!c.resources?.limits?.memory) {
        problems.push(`${id(d)}: container ${c.name} has no memory limit`);
      }
      for (const source of c.envFrom ?? []) {
        const ref = source.configMapRef ?? source.secretRef;
        const pool = source.configMapRef ? configMaps : secrets;
        if (!pool.some((o) => o.metadata.name === ref.name)) {
          problems.push(`${id(d)}: envFrom names ${ref.name}, which is not rendered`);
        }
      }
      const ports = new Set((c.ports ?? []).map((p) => p.name));
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const port = c[probe]?.httpGet?.port;
        if (typeof port === "string" && !ports.has(port)) {
          problems.push(`${id(d)}: ${probe} uses port '${port}', which container ${c.name} does not name`);
        }
      }
      if (!c.readinessProbe?.httpGet?.path?.endsWith("/readiness")) {
        problems.push(`${id(d)}: container ${c.name} has no readiness probe on /actuator/health/readiness`);
      }
    }
  }

  for (const s of services) {
    const targets = deployments.filter((d) => matches(s.spec?.selector, podLabels(d)));
    if (targets.length === 0) {
      problems.push(`${id(s)}: selector ${JSON.stringify(s.spec?.selector)} matches no Deployment`);
      continue;
    }
    for (const port of s.spec?.ports ?? []) {
      if (typeof port.targetPort === "string" && !targets.some((d) => podContainers(d)
          .some((c) => (c.ports ?? []).some((p) => p.name === port.targetPort)))) {
        problems.push(`${id(s)}: targetPort '${port.targetPort}' is not a container port name`);
      }
    }
  }
  for (const pdb of of(docs, "PodDisruptionBudget")) {
    if (!deployments.some((d) => matches(pdb.spec?.selector?.matchLabels, podLabels(d)))) {
      problems.push(`${id(pdb)}: selector matches no Deployment`);
    }
  }
  for (const monitor of of(docs, "ServiceMonitor")) {
    const selected = services.filter((s) => matches(monitor.spec?.selector?.matchLabels, s.metadata?.labels));
    if (selected.length === 0) {
      problems.push(`${id(monitor)}: selector matches no Service`);
    }
    for (const endpoint of monitor.spec?.endpoints ?? []) {
      if (!selected.some((s) => (s.spec?.ports ?? []).some((p) => p.name === endpoint.port))) {
        problems.push(`${id(monitor)}: endpoint port '${endpoint.port}' is not a port of the selected Services`);
      }
    }
  }

  const scalers = [...of(docs, "HorizontalPodAutoscaler"), ...of(docs, "ScaledObject")];
  const targeted = new Map();
  for (const scaler of scalers) {
    const name = scaler.spec?.scaleTargetRef?.name;
    if (!deployments.some((d) => d.metadata.name === name)) {
      problems.push(`${id(scaler)}: scaleTargetRef names ${name}, which is not a rendered Deployment`);
    }
    if (targeted.has(name)) {
      problems.push(`${id(scaler)}: ${name} is already scaled by ${targeted.get(name)}`);
    }
    targeted.set(name, id(scaler));
  }

  problems.push(...checkLanes(docs, { gpu, models, overlay }));
  for (const map of configMaps.filter((c) => c.metadata?.labels?.grafana_dashboard)) {
    for (const [file, text] of Object.entries(map.data ?? {})) {
      try {
        const dashboard = JSON.parse(text);
        if (!dashboard.panels?.length || dashboard.panels.some((p) => !p.targets?.length)) {
          problems.push(`${id(map)}: ${file} has a panel without queries`);
        }
      } catch (e) {
        problems.push(`${id(map)}: ${file} is not JSON: ${e.message}`);
      }
    }
  }
  for (const rule of of(docs, "PrometheusRule")) {
    for (const group of rule.spec?.groups ?? []) {
      for (const r of group.rules ?? []) {
        if (!r.alert || !String(r.expr ?? "").trim() || !r.annotations?.summary) {
          problems.push(`${id(rule)}: a rule in ${group.name} lacks alert, expr or summary`);
        }
      }
    }
  }
  return problems;
}

/**
 * The request lanes: per listed model exactly one worker Deployment (serving that model's source),
 * one PodDisruptionBudget and one ScaledObject on the model's own topic; no worker outside a lane;
 * the gateway declares every model; and each lane keeps the worker and KEDA rules of docs/SCALING.md.
 */
export function checkLanes(docs, { gpu = false, models = [], overlay = undefined } = {}) {
  const problems = [];
  const configMaps = of(docs, "ConfigMap");
  const workers = of(docs, "Deployment").filter((d) => d.metadata?.labels?.["app.kubernetes.io/component"] === "worker");
  const scaledObjects = of(docs, "ScaledObject");
  const budgets = of(docs, "PodDisruptionBudget");
  const listed = new Set(models.map((m) => m.name));
  if (models.length === 0) {
    problems.push("no models given: the lanes cannot be checked");
  }
  for (const d of workers) {
    const model = d.metadata.labels?.[MODEL_LABEL];
    if (!listed.has(model)) {
      problems.push(`${id(d)}: a worker outside the lanes of models.yaml (${MODEL_LABEL}: ${model})`);
    }
  }
  const topics = new Map();
  for (const scaled of scaledObjects) {
    const topic = (scaled.spec?.triggers ?? []).find((t) => t.type === "kafka")?.metadata?.topic;
    if (topics.has(topic)) {
      problems.push(`${id(scaled)}: topic ${topic} is scaled by ${topics.get(topic)} too`);
    }
    topics.set(topic, id(scaled));
  }

  for (const m of models) {
    const name = deploymentName(m.name);
    const lane = workers.filter((d) => d.metadata.labels?.[MODEL_LABEL] === m.name);
    if (lane.length !== 1 || lane[0].metadata.name !== name) {
      problems.push(`lane ${m.name}: needs exactly one worker Deployment ${name}, found ${lane.map(id).join(", ") || "none"}`);
      continue;
    }
    const worker = lane[0];
    const scalers = scaledObjects.filter((s) => s.spec?.scaleTargetRef?.name === name);
    if (scalers.length !== 1) {
      problems.push(`lane ${m.name}: needs exactly one ScaledObject with scaleTargetRef ${name}, found ${scalers.length}`);
      continue;
    }
    const scaled = scalers[0];
    if (scaled.spec.scaleTargetRef.kind !== "Deployment") {
      problems.push(`${id(scaled)}: scaleTargetRef kind ${scaled.spec.scaleTargetRef.kind} is not Deployment`);
    }
    const podLabels = worker.spec?.template?.metadata?.labels ?? {};
    if (!budgets.some((b) => matches(b.spec?.selector?.matchLabels, podLabels)
        && b.spec.selector.matchLabels[MODEL_LABEL] === m.name)) {
      problems.push(`lane ${m.name}: no PodDisruptionBudget selects its workers`);
    }
    const container = worker.spec.template.spec.containers.find((c) => c.name === "worker");
    if (!container) {
      problems.push(`${id(worker)}: no container named worker`);
      continue;
    }
    const env = envOf(container, configMaps);
    const source = m.overlays?.[overlay]?.source ?? m.source;
    if (env.PITISERVE_WORKER_MODELS !== source) {
      problems.push(`${id(worker)}: PITISERVE_WORKER_MODELS is '${env.PITISERVE_WORKER_MODELS}', the lane's model source is '${source}'`);
    }
    problems.push(...checkLane(m.name, worker, container, env, scaled, gpu));
  }
  problems.push(...checkDeclaredModels(docs, models));
  return problems;
}

function checkLane(model, worker, container, env, scaled, gpu) {
  const problems = [];
  const where = `lane ${model}`;
  const partitions = Number(env.PITISERVE_KAFKA_REQUEST_PARTITIONS ?? 48);
  const concurrency = Number(env.PITISERVE_WORKER_CONCURRENCY ?? 1);
  const drain = seconds(env.PITISERVE_WORKER_DRAIN_TIMEOUT ?? "30s");
  const pod = worker.spec.template.spec;
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  const trigger = (scaled.spec.triggers ?? []).find((t) => t.type === "kafka");
  const meta = trigger?.metadata ?? {};

  if (scaled.spec.maxReplicaCount > partitions) {
    problems.push(`${where}: maxReplicaCount ${scaled.spec.maxReplicaCount} exceeds the ${partitions} request partitions`);
  }
  if (scaled.spec.minReplicaCount !== 0) {
    problems.push(`${where}: minReplicaCount should be 0 (scale to zero), is ${scaled.spec.minReplicaCount}`);
  }
  if (!(scaled.spec.pollingInterval > 0) || !(scaled.spec.cooldownPeriod > 0)) {
    problems.push(`${where}: pollingInterval and cooldownPeriod must be set (${scaled.spec.pollingInterval}, ${scaled.spec.cooldownPeriod})`);
  }
  if (!trigger) {
    problems.push(`${where}: no kafka trigger`);
  } else {
    const topic = laneTopic(model, env.PITISERVE_KAFKA_TOPIC_PREFIX ?? "pitiserve.");
    if (meta.topic !== topic) {
      problems.push(`${where}: trigger topic ${meta.topic} is not the lane's requests topic ${topic}`);
    }
    if (meta.consumerGroup !== (env.PITISERVE_WORKER_GROUP_ID ?? "pitiserve-worker")) {
      problems.push(`${where}: consumerGroup ${meta.consumerGroup} is not the workers' group`);
    }
    if (meta.bootstrapServers !== env.SPRING_KAFKA_BOOTSTRAP_SERVERS) {
      problems.push(`${where}: bootstrapServers ${meta.bootstrapServers} differ from the workers' ${env.SPRING_KAFKA_BOOTSTRAP_SERVERS}`);
    }
    if (Number(meta.lagThreshold) !== 2 * concurrency) {
      problems.push(`${where}: lagThreshold ${meta.lagThreshold} should be 2 x PITISERVE_WORKER_CONCURRENCY (${2 * concurrency})`);
    }
    if (String(meta.activationLagThreshold) !== "0") {
      problems.push(`${where}: activationLagThreshold must be 0, or a lone job never wakes a lane at zero`);
    }
    if (String(meta.allowIdleConsumers) !== "false") {
      problems.push(`${where}: allowIdleConsumers must be false (no more consumers than partitions)`);
    }
  }
  const scaleDown = scaled.spec.advanced?.horizontalPodAutoscalerConfig?.behavior?.scaleDown;
  if (!scaleDown || (scaleDown.stabilizationWindowSeconds ?? 0) < 300) {
    problems.push(`${where}: scale-down needs a stabilization window of at least 300 s`);
  }
  if (!(drain > 0) || grace < drain + 15) {
    problems.push(`${where}: terminationGracePeriodSeconds ${grace} must exceed PITISERVE_WORKER_DRAIN_TIMEOUT (${env.PITISERVE_WORKER_DRAIN_TIMEOUT}) by at least 15 s`);
  }
  if (drain >= MAX_POLL_INTERVAL_SECONDS) {
    problems.push(`${where}: PITISERVE_WORKER_DRAIN_TIMEOUT ${drain} s must stay below max.poll.interval.ms (${MAX_POLL_INTERVAL_SECONDS} s)`);
  }
  if (!container.lifecycle?.preStop) {
    problems.push(`${where}: no preStop hook to stop intake`);
  }
  const limits = container.resources?.limits ?? {};
  const device = env.PITISERVE_WORKER_DEVICE ?? "cpu";
  if (gpu) {
    if (String(limits["nvidia.com/gpu"] ?? "") !== "1") {
      problems.push(`${where} (gpu): needs limits nvidia.com/gpu: 1`);
    }
    if (!device.startsWith("gpu")) {
      problems.push(`${where} (gpu): PITISERVE_WORKER_DEVICE is ${device}`);
    }
    if (!(pod.tolerations ?? []).some((t) => t.key === "nvidia.com/gpu")) {
      problems.push(`${where} (gpu): no toleration for the nvidia.com/gpu taint`);
    }
    if (!pod.nodeSelector || Object.keys(pod.nodeSelector).length === 0) {
      problems.push(`${where} (gpu): no nodeSelector for GPU nodes`);
    }
    if (!splitImage(container.image).tag?.includes("cu128")) {
      problems.push(`${where} (gpu): image ${container.image} is not the CUDA 12.8 build`);
    }
  } else if (limits["nvidia.com/gpu"] !== undefined || device !== "cpu") {
    problems.push(`${where} (cpu): asks for a GPU`);
  }
  return problems;
}

/** The gateway's pitiserve.gateway.models[i]: every listed model once, with its task and default. */
function checkDeclaredModels(docs, models) {
  const problems = [];
  const gateway = of(docs, "Deployment").find((d) => d.metadata.name === "pitiserve-gateway");
  const container = gateway?.spec?.template?.spec?.containers?.find((c) => c.name === "gateway");
  if (!container) {
    return ["the gateway Deployment is not rendered"];
  }
  const env = envOf(container, of(docs, "ConfigMap"));
  const declared = [];
  for (let i = 0; env[`PITISERVE_GATEWAY_MODELS_${i}_NAME`] !== undefined; i++) {
    declared.push({
      name: env[`PITISERVE_GATEWAY_MODELS_${i}_NAME`],
      task: env[`PITISERVE_GATEWAY_MODELS_${i}_TASK`],
      default: env[`PITISERVE_GATEWAY_MODELS_${i}_DEFAULT_MODEL`] === "true",
    });
  }
  for (const m of models) {
    const found = declared.filter((d) => d.name === m.name);
    if (found.length !== 1) {
      problems.push(`gateway: declares model ${m.name} ${found.length} times; a lane needs exactly one declaration`);
    } else if (found[0].task !== m.task || found[0].default !== Boolean(m.default)) {
      problems.push(`gateway: model ${m.name} is declared as task ${found[0].task} default ${found[0].default}, models.yaml says ${m.task} ${Boolean(m.default)}`);
    }
  }
  for (const d of declared.filter((d) => !models.some((m) => m.name === d.name))) {
    problems.push(`gateway: declares model ${d.name}, which has no lane`);
  }
  return problems;
}

/** Every environment variable name a list of containers sets (env and envFrom ConfigMap/Secret keys). */
export function environmentNames(docs) {
  const names = new Set();
  const maps = [...of(docs, "ConfigMap"), ...of(docs, "Secret")];
  for (const d of of(docs, "Deployment")) {
    for (const c of podContainers(d)) {
      (c.env ?? []).forEach((e) => names.add(e.name));
      for (const source of c.envFrom ?? []) {
        const ref = source.configMapRef ?? source.secretRef;
        const map = maps.find((m) => m.metadata.name === ref.name);
        Object.keys({ ...(map?.data ?? {}), ...(map?.stringData ?? {}) }).forEach((k) => names.add(k));
      }
    }
  }
  return names;
}

/**
 * The environment variables piti-serve reads: every component of its @ConfigurationProperties
 * records and of the records its apps bind with Spring's Binder (relaxed binding: pitiserve.worker.drain-timeout is PITISERVE_WORKER_DRAIN_TIMEOUT, list
 * elements take an index, PITISERVE_GATEWAY_TENANTS_0_NAME) and every System.getenv("...").
 */
export function knownEnvironment(repoRoot) {
  const names = new Set();
  const sources = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith(".java")) {
        sources.push(fs.readFileSync(full, "utf8"));
      }
    }
  };
  for (const module of ["common", "gateway", "worker", "standalone"]) {
    const main = path.join(repoRoot, module, "src", "main", "java");
    if (fs.existsSync(main)) {
      walk(main);
    }
  }
  const all = sources.join("\n");
  for (const text of sources) {
    for (const match of text.matchAll(/getenv\("([A-Z0-9_]+)"\)/g)) {
      names.add(match[1]);
    }
    for (const match of text.matchAll(/@ConfigurationProperties\("([a-z0-9.-]+)"\)\s*public record (\w+)\s*\(/g)) {
      const prefix = match[1].toUpperCase().replaceAll(/[.-]/g, "_");
      for (const [component, type] of recordComponents(text, match.index + match[0].length)) {
        addComponent(names, `${prefix}_${snake(component)}`, type, text, all);
      }
    }
    // Records without Spring annotations (they live in common), bound by the apps with
    // Binder.bindOrCreate("prefix", Record.class) or bindOrCreate(Record.PREFIX, Record.class).
    for (const match of text.matchAll(/bindOrCreate\((?:"([a-z0-9.-]+)"|(\w+)\.PREFIX),\s*(\w+)\.class\)/g)) {
      const record = match[3];
      const home = sources.find((source) => new RegExp(`public record ${record}\\s*\\(`).test(source));
      const property = match[1] ?? /static final String PREFIX = "([a-z0-9.-]+)"/.exec(home ?? "")?.[1];
      if (!home || !property) {
        continue;
      }
      const prefix = property.toUpperCase().replaceAll(/[.-]/g, "_");
      const declaration = new RegExp(`public record ${record}\\s*\\(`).exec(home);
      for (const [component, type] of recordComponents(home, declaration.index + declaration[0].length)) {
        addComponent(names, `${prefix}_${snake(component)}`, type, home, all);
      }
    }
  }
  return names;
}

/** A component's names; a list of records is looked up in its own file first, then in every source. */
function addComponent(names, name, type, text, all = text) {
  const element = /^List<(\w+)>$/.exec(type)?.[1];
  const pattern = element && new RegExp(`record ${element}\\s*\\(`);
  const home = pattern && (pattern.test(text) ? text : all);
  const nested = pattern && pattern.exec(home);
  if (!nested) {
    names.add(name);
    if (element) {
      names.add(`${name}_0`);
    }
    return;
  }
  for (const [component, inner] of recordComponents(home, nested.index + nested[0].length)) {
    addComponent(names, `${name}_0_${snake(component)}`, inner, home, all);
  }
}

/** [name, type] of the record components that start at {@code from} (just after the '('). */
function recordComponents(text, from) {
  let depth = 1;
  let i = from;
  for (; i < text.length && depth > 0; i++) {
    if (text[i] === "(" || text[i] === "<") depth++;
    if (text[i] === ")" || text[i] === ">") depth--;
  }
  const body = text.slice(from, i - 1);
  const parts = [];
  let current = "";
  depth = 0;
  for (const ch of body) {
    if (ch === "(" || ch === "<") depth++;
    if (ch === ")" || ch === ">") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts
    .map((p) => p.replaceAll(/@\w+(\([^)]*\))?/g, "").trim())
    .filter(Boolean)
    .map((p) => {
      const words = p.split(/\s+/);
      return [words.at(-1), words.slice(0, -1).join(" ")];
    });
}

function snake(camel) {
  return camel.replaceAll(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Names that are not piti-serve's own but are read by what it runs on. */
export const PLATFORM_ENVIRONMENT = [
  /^SPRING_KAFKA_BOOTSTRAP_SERVERS$/, /^SPRING_KAFKA_CONSUMER_PROPERTIES_[A-Z0-9_]+$/, /^JAVA_TOOL_OPTIONS$/,
  /^DJL_OFFLINE$/, /^DJL_CACHE_DIR$/, /^PYTORCH_(LIBRARY_PATH|VERSION|FLAVOR)$/, /^NVIDIA_[A-Z_]+$/,
  /^TORCH_CPP_LOG_LEVEL$/, /^MALLOC_ARENA_MAX$/,
  // The standard OpenTelemetry variables (io.pitiserve.common.tracing.TracingDefaults, Spring Boot).
  /^OTEL_EXPORTER_OTLP_(TRACES_)?ENDPOINT$/, /^OTEL_RESOURCE_ATTRIBUTES$/, /^OTEL_SERVICE_NAME$/,
];

/** Variables set by the deploy files that nothing reads (list elements: any index reads as index 0). */
export function unknownEnvironment(names, known) {
  const isKnown = (name) => known.has(name) || known.has(name.replaceAll(/_\d+(?=_|$)/g, "_0"));
  return [...names].filter((name) => !isKnown(name) && !PLATFORM_ENVIRONMENT.some((p) => p.test(name))).sort();
}

/**
 * A Dockerfile's rules: pinned base images (a version tag, never latest; ARG defaults resolved),
 * a non-root USER, a HEALTHCHECK and an exec-form ENTRYPOINT in the final stage.
 */
export function checkDockerfile(text, name = "Dockerfile") {
  const problems = [];
  const lines = text.replaceAll(/\\\n/g, " ").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const args = {};
  const stages = [];
  let current = null;
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const value = rest.join(" ");
    switch (instruction.toUpperCase()) {
      case "ARG": {
        const [key, def] = value.split("=");
        if (current === null && def !== undefined) {
          args[key] = def;
        }
        break;
      }
      case "FROM": {
        const [image, , alias] = value.split(/\s+/);
        const resolved = image.replaceAll(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? "");
        current = { image: resolved, alias, user: null, healthcheck: false, entrypoint: null };
        stages.push(current);
        break;
      }
      case "USER":
        current.user = value;
        break;
      case "HEALTHCHECK":
        current.healthcheck = !/^NONE$/i.test(value);
        break;
      case "ENTRYPOINT":
        current.entrypoint = value;
        break;
      default:
        break;
    }
  }
  if (stages.length === 0) {
    return [`${name}: no FROM`];
  }
  const aliases = new Set(stages.map((s) => s.alias).filter(Boolean));
  for (const stage of stages) {
    if (aliases.has(stage.image)) {
      continue;
    }
    const { tag } = splitImage(stage.image);
    if (!stage.image.includes("@sha256:") && (!tag || tag === "latest" || !/\d/.test(tag))) {
      problems.push(`${name}: base image '${stage.image}' is not pinned to a version`);
    }
  }
  const last = stages.at(-1);
  if (!last.user || /^(0|root)(:|$)/.test(last.user)) {
    problems.push(`${name}: the final stage runs as root (USER ${last.user ?? "missing"})`);
  }
  if (!last.healthcheck) {
    problems.push(`${name}: the final stage has no HEALTHCHECK`);
  }
  if (!last.entrypoint || !last.entrypoint.startsWith("[")) {
    problems.push(`${name}: ENTRYPOINT must be in exec form so that the JVM receives SIGTERM`);
  }
  return problems;
}
