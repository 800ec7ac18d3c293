// Renders piti-serve's Kustomize overlays: with `kubectl kustomize` when kubectl is on the PATH,
// otherwise with the small renderer below. The renderer knows only what deploy/k8s uses -
// resources (files and directories), namespace, patches (strategic-merge files for built-in kinds,
// inline JSON 6902 with a kind/name target), images (newName/newTag) and configMapGenerator
// (files, labels, disableNameSuffixHash) - and refuses anything else, so a kustomization that
// outgrows it fails here instead of rendering wrongly. deploy.test.mjs checks that both agree
// wherever kubectl exists.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";

export function kubectlAvailable() {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function renderWithKubectl(dir) {
  const out = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 32 * 1024 * 1024 });
  return yaml.loadAll(out).filter((doc) => doc != null);
}

/** `kubectl kustomize` if present (unless PITISERVE_KUSTOMIZE=builtin), else the renderer here. */
export function render(dir) {
  if (process.env.PITISERVE_KUSTOMIZE !== "builtin" && kubectlAvailable()) {
    return renderWithKubectl(dir);
  }
  return renderBuiltin(dir);
}

const KNOWN_FIELDS = new Set([
  "apiVersion", "kind", "resources", "namespace", "patches", "images", "configMapGenerator",
]);

// Strategic-merge keys of the lists piti-serve's patches touch (Kubernetes' own patchMergeKey).
const MERGE_KEYS = {
  containers: "name",
  initContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  imagePullSecrets: "name",
};

export function renderBuiltin(dir) {
  const file = path.join(dir, "kustomization.yaml");
  const k = yaml.load(fs.readFileSync(file, "utf8"));
  for (const key of Object.keys(k)) {
    if (!KNOWN_FIELDS.has(key)) {
      throw new Error(`${file}: the built-in renderer does not support '${key}'; install kubectl`);
    }
  }
  let docs = [];
  for (const entry of k.resources ?? []) {
    const target = path.join(dir, entry);
    if (fs.statSync(target).isDirectory()) {
      docs.push(...renderBuiltin(target));
    } else {
      docs.push(...yaml.loadAll(fs.readFileSync(target, "utf8")).filter((doc) => doc != null));
    }
  }
  for (const generator of k.configMapGenerator ?? []) {
    docs.push(generateConfigMap(dir, generator, file));
  }
  for (const patch of k.patches ?? []) {
    docs = applyPatch(dir, docs, patch, file);
  }
  if (k.namespace) {
    for (const doc of docs) {
      doc.metadata = doc.metadata ?? {};
      doc.metadata.namespace = k.namespace;
    }
  }
  for (const image of k.images ?? []) {
    for (const doc of docs) {
      for (const container of podContainers(doc)) {
        const current = splitImage(container.image);
        if (current.name === image.name) {
          const tag = image.newTag ?? current.tag;
          container.image = (image.newName ?? current.name) + (tag === undefined ? "" : `:${tag}`);
        }
      }
    }
  }
  return docs;
}

function generateConfigMap(dir, generator, file) {
  const options = generator.options ?? {};
  if (!options.disableNameSuffixHash) {
    throw new Error(`${file}: configMapGenerator ${generator.name} needs disableNameSuffixHash for the built-in renderer`);
  }
  const data = {};
  for (const source of generator.files ?? []) {
    data[path.basename(source)] = fs.readFileSync(path.join(dir, source), "utf8");
  }
  const metadata = { name: generator.name };
  if (options.labels) {
    metadata.labels = { ...options.labels };
  }
  return { apiVersion: "v1", kind: "ConfigMap", metadata, data };
}

function applyPatch(dir, docs, patch, file) {
  if (patch.path && !patch.target) {
    const body = yaml.load(fs.readFileSync(path.join(dir, patch.path), "utf8"));
    const doc = find(docs, body.kind, body.metadata.name, file);
    if (!isBuiltIn(doc)) {
      throw new Error(`${file}: strategic merge of ${doc.kind} is not built in; use a JSON 6902 patch`);
    }
    const merged = strategicMerge(doc, body);
    return docs.map((d) => (d === doc ? merged : d));
  }
  if (patch.target && patch.patch) {
    const doc = find(docs, patch.target.kind, patch.target.name, file);
    const ops = yaml.load(patch.patch);
    if (!Array.isArray(ops)) {
      throw new Error(`${file}: the inline patch for ${patch.target.kind}/${patch.target.name} is not a JSON 6902 list`);
    }
    const patched = structuredClone(doc);
    for (const op of ops) {
      applyOperation(patched, op, file);
    }
    return docs.map((d) => (d === doc ? patched : d));
  }
  throw new Error(`${file}: a patch needs either a path or a target with an inline patch`);
}

function find(docs, kind, name, file) {
  const doc = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!doc) {
    throw new Error(`${file}: nothing to patch: no ${kind}/${name}`);
  }
  return doc;
}

function isBuiltIn(doc) {
  const group = doc.apiVersion.includes("/") ? doc.apiVersion.split("/")[0] : "";
  return ["", "apps", "batch", "policy", "autoscaling", "networking.k8s.io"].includes(group);
}

function strategicMerge(target, patch, key = "") {
  if (Array.isArray(patch)) {
    const mergeKey = MERGE_KEYS[key];
    if (!mergeKey || !Array.isArray(target)) {
      return structuredClone(patch);
    }
    const result = target.map((item) => structuredClone(item));
    for (const item of patch) {
      const at = result.findIndex((existing) => existing[mergeKey] === item[mergeKey]);
      if (at >= 0) {
        result[at] = strategicMerge(result[at], item);
      } else {
        result.push(structuredClone(item));
      }
    }
    return result;
  }
  if (patch !== null && typeof patch === "object") {
    const result = target !== null && typeof target === "object" && !Array.isArray(target)
      ? structuredClone(target) : {};
    for (const [name, value] of Object.entries(patch)) {
      if (value === null) {
        delete result[name];
      } else {
        result[name] = strategicMerge(result[name], value, name);
      }
    }
    return result;
  }
  return patch;
}

function applyOperation(doc, op, file) {
  const parts = op.path.split("/").slice(1).map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
  const last = parts.pop();
  let parent = doc;
  for (const part of parts) {
    parent = parent?.[Array.isArray(parent) ? Number(part) : part];
    if (parent === undefined) {
      throw new Error(`${file}: JSON patch path ${op.path} does not exist`);
    }
  }
  switch (op.op) {
    case "add":
      if (Array.isArray(parent)) {
        parent.splice(last === "-" ? parent.length : Number(last), 0, structuredClone(op.value));
      } else {
        parent[last] = structuredClone(op.value);
      }
      break;
    case "replace":
      if (!(last in parent)) {
        throw new Error(`${file}: JSON patch replace of missing ${op.path}`);
      }
      parent[last] = structuredClone(op.value);
      break;
    case "remove":
      if (Array.isArray(parent)) {
        parent.splice(Number(last), 1);
      } else {
        delete parent[last];
      }
      break;
    default:
      throw new Error(`${file}: JSON patch operation '${op.op}' is not built in`);
  }
}

/** The containers of a workload's pod template (Deployment and friends), else none. */
export function podContainers(doc) {
  const spec = doc?.spec?.template?.spec;
  return spec ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])] : [];
}

export function splitImage(image) {
  const at = image.indexOf("@");
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = withoutDigest.lastIndexOf(":");
  if (colon > withoutDigest.lastIndexOf("/")) {
    return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) };
  }
  return { name: withoutDigest, tag: undefined };
}
