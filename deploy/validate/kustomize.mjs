// Renders piti-serve's Kustomize overlays: with `kubectl kustomize` when kubectl is on the PATH,
// otherwise with the small renderer below. The renderer knows only what deploy/k8s uses -
// resources (files and directories), namespace, patches (files of strategic-merge patches - JSON
// merge patches for custom resources - and inline JSON 6902 patches, each by name or by a target of
// kind, name and equality labelSelector), images (newName/newTag) and configMapGenerator
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
  if (patch.path) {
    // A file of one or more strategic-merge patches; with a target, each applies to every object the
    // target selects (its own name ignored), else to the object it names.
    const bodies = yaml.loadAll(fs.readFileSync(path.join(dir, patch.path), "utf8")).filter((b) => b != null);
    if (patch.target && bodies.length !== 1) {
      throw new Error(`${file}: a targeted patch file must hold exactly one patch (${patch.path})`);
    }
    for (const body of bodies) {
      const targets = patch.target ? select(docs, patch.target, file) : [find(docs, body.kind, body.metadata.name, file)];
      for (const doc of targets) {
        const merged = mergePatch(doc, { ...body, metadata: { ...body.metadata, name: doc.metadata.name } });
        docs = docs.map((d) => (d === doc ? merged : d));
      }
    }
    return docs;
  }
  if (patch.target && patch.patch) {
    const ops = yaml.load(patch.patch);
    if (!Array.isArray(ops)) {
      throw new Error(`${file}: the inline patch for ${JSON.stringify(patch.target)} is not a JSON 6902 list`);
    }
    for (const doc of select(docs, patch.target, file)) {
      const patched = structuredClone(doc);
      for (const op of ops) {
        applyOperation(patched, op, file);
      }
      docs = docs.map((d) => (d === doc ? patched : d));
    }
    return docs;
  }
  throw new Error(`${file}: a patch needs either a path or a target with an inline patch`);
}

const TARGET_FIELDS = new Set(["kind", "name", "labelSelector"]);

/** The objects a patch target selects: kind, name and an equality labelSelector (a=b,c=d). */
function select(docs, target, file) {
  for (const key of Object.keys(target)) {
    if (!TARGET_FIELDS.has(key)) {
      throw new Error(`${file}: the built-in renderer does not support patch targets by '${key}'`);
    }
  }
  const labels = Object.fromEntries((target.labelSelector ?? "").split(",").filter(Boolean).map((term) => {
    const match = /^\s*([^=!\s]+)\s*==?\s*([^=\s]*)\s*$/.exec(term);
    if (!match) {
      throw new Error(`${file}: the built-in renderer knows only equality label selectors, not '${term}'`);
    }
    return [match[1], match[2]];
  }));
  const selected = docs.filter((d) => (!target.kind || d.kind === target.kind)
    && (!target.name || d.metadata?.name === target.name)
    && Object.entries(labels).every(([k, v]) => d.metadata?.labels?.[k] === v));
  if (selected.length === 0) {
    throw new Error(`${file}: nothing to patch: no object matches ${JSON.stringify(target)}`);
  }
  return selected;
}

function find(docs, kind, name, file) {
  const doc = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!doc) {
    throw new Error(`${file}: nothing to patch: no ${kind}/${name}`);
  }
  return doc;
}

/** Strategic merge for built-in kinds; JSON merge patch (RFC 7386: lists replaced) for the rest, as kustomize does. */
function mergePatch(doc, body) {
  return strategicMerge(doc, body, "", isBuiltIn(doc) ? MERGE_KEYS : {});
}

function isBuiltIn(doc) {
  const group = doc.apiVersion.includes("/") ? doc.apiVersion.split("/")[0] : "";
  return ["", "apps", "batch", "policy", "autoscaling", "networking.k8s.io"].includes(group);
}

function strategicMerge(target, patch, key = "", mergeKeys = MERGE_KEYS) {
  if (Array.isArray(patch)) {
    const mergeKey = mergeKeys[key];
    if (!mergeKey || !Array.isArray(target)) {
      return structuredClone(patch);
    }
    const result = target.map((item) => structuredClone(item));
    for (const item of patch) {
      const at = result.findIndex((existing) => existing[mergeKey] === item[mergeKey]);
      if (at >= 0) {
        result[at] = strategicMerge(result[at], item, "", mergeKeys);
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
        result[name] = strategicMerge(result[name], value, name, mergeKeys);
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
