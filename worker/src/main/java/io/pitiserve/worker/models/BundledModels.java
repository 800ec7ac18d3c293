package io.pitiserve.worker.models;

import io.pitiserve.common.digest.Sha256;
import io.pitiserve.worker.engine.ModelLoadException;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.PitiModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The models and example inputs shipped inside the worker jar (classpath {@code pitiserve/}):
 * {@value #DEFAULT_MODEL} (trained, the default), {@value #DEMO_SKETCH}, {@value #SPADE_MASK} (a single-pass
 * baseline) and {@value #TINY_MODEL} (random weights).
 *
 * <p>TorchScript files must be on disk to be loaded, so a bundled model is copied once into a
 * directory named after the hash of its manifest and reused afterwards.
 */
public final class BundledModels {

    /**
     * The model used when none is named: {@code demo-mask}, a small PITI trained on piti-serve's
     * procedural landscape world (sky, clouds, mountain, hill, grass, sea, river, tree, sand), so
     * that {@code demo}, {@code serve} and {@code translate} draw a recognisable picture.
     */
    public static final String DEFAULT_MODEL = "demo-mask";

    /**
     * A model of the released resolutions with tiny random weights (its output is noise): kept for
     * tests and engine timings that need the released 64 px / 256 px shapes at almost no cost.
     */
    public static final String TINY_MODEL = "tiny-mask";

    /** The trained demo model for sketches, on the same world as {@value #DEFAULT_MODEL}. */
    public static final String DEMO_SKETCH = "demo-sketch";

    /**
     * A single-pass baseline for masks on the same world as {@value #DEFAULT_MODEL}: a small SPADE-style
     * generator, one forward pass, no diffusion (tools/README.md, "Single-pass baseline").
     */
    public static final String SPADE_MASK = "spade-mask";

    private static final String ROOT = "pitiserve/";

    private BundledModels() {
    }

    /** The bytes of a bundled example input, e.g. {@code mask.png}. */
    public static byte[] example(String name) {
        try (InputStream in = open(ROOT + "examples/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled example " + name, e);
        }
    }

    /** Whether the jar holds bundled model {@code name}. */
    public static boolean has(String name) {
        return BundledModels.class.getClassLoader().getResource(ROOT + "models/" + name + "/model.json") != null;
    }

    /** The model.json of bundled model {@code name}, read without extracting the model. */
    public static ModelManifest manifest(String name) {
        try (InputStream in = open(ROOT + "models/" + name + "/model.json")) {
            return PitiModel.parseManifest(in.readAllBytes(), "bundled model " + name);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read bundled model " + name, e);
        }
    }

    /** A directory holding bundled model {@code name}, extracted under {@code cacheRoot} if needed. */
    public static Path extract(String name, Path cacheRoot) {
        String base = ROOT + "models/" + name + "/";
        byte[] manifest;
        try (InputStream in = open(base + "model.json")) {
            manifest = in.readAllBytes();
        } catch (IOException e) {
            throw new ModelLoadException("cannot read bundled model " + name, e);
        }
        Path target = cacheRoot.resolve(name + "-" + Sha256.hex(manifest).substring(0, 16));
        Path complete = target.resolve(".complete");
        if (Files.exists(complete)) {
            return target;
        }
        try {
            Files.createDirectories(target);
            JsonNode sums = JsonMapper.builder().build().readTree(manifest).path("sha256");
            Iterator<Map.Entry<String, JsonNode>> files = sums.properties().iterator();
            while (files.hasNext()) {
                String file = files.next().getKey();
                Path destination = target.resolve(file).normalize();
                if (!destination.startsWith(target)) {
                    throw new ModelLoadException("bundled model " + name + " names a file outside its directory: " + file);
                }
                Files.createDirectories(destination.getParent());
                try (InputStream in = open(base + file)) {
                    Files.copy(in, destination, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.write(target.resolve("model.json"), manifest);
            Files.createFile(complete);
            return target;
        } catch (IOException e) {
            throw new ModelLoadException("cannot extract bundled model " + name + " to " + target + ": " + e.getMessage(), e);
        }
    }

    /** The default cache root: {@code $PITISERVE_CACHE_DIR}, else {@code ~/.cache/pitiserve/models}. */
    public static Path defaultCacheRoot() {
        String configured = System.getenv("PITISERVE_CACHE_DIR");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).resolve("models");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "pitiserve", "models");
    }

    private static InputStream open(String resource) throws IOException {
        InputStream in = BundledModels.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("resource " + resource + " is not in the jar");
        }
        return in;
    }

}
