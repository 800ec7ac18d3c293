package io.pitiserve.worker.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.pitiserve.common.digest.Sha256;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.storage.ObjectStoreException;
import io.pitiserve.common.storage.ObjectTooLargeException;
import io.pitiserve.common.storage.StoredObject;
import io.pitiserve.worker.engine.ModelLoadException;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Precision;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A model directory kept in S3 ({@code s3://<bucket>/<prefix>/}, e.g. {@code s3://models/mask/2022-05/}),
 * copied into a local cache before {@code PitiModel.load} reads it.
 *
 * <p>The cache directory is named by the sha256 of the model.json object, so a changed manifest
 * gets a new directory and the same manifest reuses the old one without a download. Each file the
 * manifest's {@code sha256} map names is fetched - except the networks of precisions the worker does
 * not run (an fp32 worker never downloads a model's bf16 files) - its checksum checked against the
 * map, written to a temporary name and moved into place. Then a marker for the precision
 * ({@code .complete-fp32}, ...) and model.json are moved in, so their presence means every file
 * that precision needs is complete. A crash mid-download leaves only temporary files and a directory
 * without the marker, which the next start completes; a worker in another precision adds its own
 * files to the same directory.
 *
 * <p>Files are streamed from the store to disk and hashed on the way, so a multi-gigabyte weight
 * file never sits in memory; only model.json (at most {@value #MAX_MANIFEST_BYTES} bytes) is read whole.
 */
public final class S3ModelSource {

    private static final Logger log = LoggerFactory.getLogger(S3ModelSource.class);
    private static final String SCHEME = "s3://";
    private static final String MANIFEST = "model.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** model.json is a small document; anything larger is not one. */
    static final long MAX_MANIFEST_BYTES = 1 << 20;
    private static final int BUFFER_BYTES = 1 << 16;

    /** A bucket and a key prefix (empty, or ending in {@code /}) holding model.json and its files. */
    public record Location(String bucket, String prefix) {

        /** Whether {@code source} is an {@code s3://} URI rather than a directory. */
        public static boolean isS3(String source) {
            return source != null && source.startsWith(SCHEME);
        }

        /** Parses {@code s3://<bucket>/<prefix>/}; a missing trailing slash is added. */
        public static Location parse(String uri) {
            if (!isS3(uri)) {
                throw new IllegalArgumentException("pitiserve.worker.model-source '" + uri + "' is not an s3:// URI");
            }
            String rest = uri.substring(SCHEME.length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : rest.substring(slash + 1);
            if (bucket.isBlank()) {
                throw new IllegalArgumentException("pitiserve.worker.model-source '" + uri
                        + "' names no bucket; expected s3://<bucket>/<prefix>/");
            }
            if (!prefix.isEmpty() && !prefix.endsWith("/")) {
                prefix = prefix + "/";
            }
            return new Location(bucket, prefix);
        }

        @Override
        public String toString() {
            return SCHEME + bucket + "/" + prefix;
        }
    }

    private final ObjectStore store;
    private final Location location;
    private final Path cacheRoot;

    /**
     * @param store     a store of {@code location}'s bucket
     * @param cacheRoot where downloaded models are kept, one directory per manifest sha256
     */
    public S3ModelSource(ObjectStore store, Location location, Path cacheRoot) {
        this.store = store;
        this.location = location;
        this.cacheRoot = cacheRoot;
    }

    /**
     * The local directory holding the model's files for {@code precision}, downloaded unless an
     * earlier start already completed them.
     *
     * @throws ModelLoadException when model.json or a file it names is missing, unreadable, or does not
     *                            have the sha256 model.json gives
     */
    public Path fetch(Precision precision) {
        byte[] manifest = downloadManifest();
        String manifestSha256 = Sha256.hex(manifest);
        Path directory = cacheRoot.resolve(manifestSha256);
        Path complete = directory.resolve(".complete-" + precision.label());
        if (Files.isRegularFile(directory.resolve(MANIFEST)) && Files.isRegularFile(complete)) {
            log.info("{} model from {} found in the cache at {}", precision.label(), location, directory);
            return directory;
        }
        Map<String, String> files = filesOf(manifest);
        ModelManifest parsed = PitiModel.parseManifest(manifest, location + MANIFEST);
        Set<String> needed = parsed.networkFiles(precision);
        if (needed == null) {
            throw new ModelLoadException("the model at " + location + " has no " + precision.label()
                    + " networks; add them with `python -m piti_tools.precision` (tools/README.md) or run it in fp32");
        }
        Set<String> otherPrecisions = parsed.allNetworkFiles();
        otherPrecisions.removeAll(needed);
        files.keySet().removeAll(otherPrecisions);
        log.info("downloading the {} model at {} ({} files) into {}", precision.label(), location, files.size(),
                directory);
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path target = directory.resolve(file.getKey());
            if (Files.isRegularFile(target) && sha256Of(target).equalsIgnoreCase(file.getValue())) {
                continue; // completed by an earlier, interrupted start
            }
            downloadChecked(file.getKey(), file.getValue(), target);
        }
        writeAtomically(complete, new byte[0]);
        writeAtomically(directory.resolve(MANIFEST), manifest);
        return directory;
    }

    /** The {@code sha256} map of model.json: relative file name to hex digest. */
    private Map<String, String> filesOf(byte[] manifest) {
        JsonNode sha256;
        try {
            sha256 = JSON.readTree(manifest).get("sha256");
        } catch (JacksonException e) {
            throw new ModelLoadException("cannot read " + location + MANIFEST + ": " + e.getOriginalMessage(), e);
        }
        if (sha256 == null || !sha256.isObject()) {
            throw new ModelLoadException(location + MANIFEST + " has no sha256 map naming the model's files");
        }
        Map<String, String> files = new LinkedHashMap<>();
        for (String name : sha256.propertyNames()) {
            JsonNode digest = sha256.get(name);
            if (!safeRelativeName(name) || digest == null || !digest.isString()
                    || !digest.stringValue().matches("[0-9a-fA-F]{64}")) {
                throw new ModelLoadException(location + MANIFEST + " lists '" + name
                        + "' in sha256; entries must be relative file names with 64 hex digits");
            }
            files.put(name, digest.stringValue());
        }
        return files;
    }

    private byte[] downloadManifest() {
        String key = location.prefix() + MANIFEST;
        try {
            return store.get(key, MAX_MANIFEST_BYTES).orElseThrow(() -> new ModelLoadException("no object " + location
                    + MANIFEST + " - is this a model directory?"));
        } catch (ObjectTooLargeException e) {
            throw new ModelLoadException(location + MANIFEST + " is not a model manifest: " + e.getMessage(), e);
        } catch (ObjectStoreException e) {
            throw new ModelLoadException("cannot download " + location + MANIFEST + ": " + e.getMessage(), e);
        }
    }

    /**
     * Streams one file into a temporary name next to {@code target}, hashing it on the way, and moves
     * it into place only when its sha256 is {@code expected}; a mismatch leaves nothing behind.
     */
    private void downloadChecked(String name, String expected, Path target) {
        String key = location.prefix() + name;
        Path temporary = temporaryFor(target);
        String actual;
        try {
            Files.createDirectories(target.getParent());
            try (StoredObject object = store.open(key).orElseThrow(() -> new ModelLoadException("no object "
                    + location + name + ", which model.json lists"))) {
                actual = copyHashing(object.body(), temporary);
            }
            if (!actual.equalsIgnoreCase(expected)) {
                throw new ModelLoadException("checksum mismatch for " + location + name + ": model.json says "
                        + expected + ", the object has " + actual + "; nothing was cached");
            }
            moveIntoPlace(temporary, target);
        } catch (ObjectStoreException e) {
            throw new ModelLoadException("cannot download " + location + name + ": " + e.getMessage(), e);
        } catch (IOException | UncheckedIOException e) {
            throw new ModelLoadException("cannot download " + location + name + " to " + target + ": "
                    + e.getMessage(), e);
        } finally {
            deleteQuietly(temporary);
        }
    }

    /** Copies {@code in} to {@code file}, returning the hex sha256 of the bytes copied. */
    private static String copyHashing(InputStream in, Path file) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        byte[] buffer = new byte[BUFFER_BYTES];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        }
        return Sha256.hex(digest);
    }

    private static void writeAtomically(Path target, byte[] bytes) {
        Path temporary = temporaryFor(target);
        try {
            Files.createDirectories(target.getParent());
            Files.write(temporary, bytes);
            moveIntoPlace(temporary, target);
        } catch (IOException e) {
            throw new ModelLoadException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(temporary);
        }
    }

    private static Path temporaryFor(Path target) {
        return target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".part");
    }

    private static void moveIntoPlace(Path temporary, Path target) throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path temporary) {
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException ignored) {
            // the temporary name is never taken for a complete file
        }
    }

    /** The hex sha256 of a local file, read in chunks. */
    private static String sha256Of(Path file) {
        try {
            return Sha256.hex(file);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean safeRelativeName(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.equals(MANIFEST)) {
            return false;
        }
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }


}
