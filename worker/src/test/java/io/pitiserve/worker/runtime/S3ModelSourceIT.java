package io.pitiserve.worker.runtime;

import io.pitiserve.common.storage.S3Properties;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.storage.S3ObjectStore;
import io.pitiserve.common.storage.StoredObject;
import io.pitiserve.common.testing.LocalS3ForClass;
import io.pitiserve.common.testing.LocalS3Server;
import io.pitiserve.worker.TestResources;
import io.pitiserve.worker.engine.EngineOptions;
import io.pitiserve.worker.engine.ModelLoadException;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Precision;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Models kept in S3: downloaded into the cache once, checked, loaded; against a real S3 server (s3proxy). */
class S3ModelSourceIT {

    private static final String SERVICE_BUCKET = "pitiserve-service";
    private static final String MODEL_BUCKET = "pitiserve-models";

    @RegisterExtension
    static final LocalS3ForClass s3 = new LocalS3ForClass();

    @TempDir
    Path cache;

    private S3ObjectStore models;
    private final List<String> fetched = new CopyOnWriteArrayList<>();

    @BeforeEach
    void uploadTheMicroModel() throws Exception {
        models = s3.server().client(MODEL_BUCKET);
        upload("models/mask/test/");
    }

    @AfterEach
    void close() {
        models.close();
    }

    @Test
    void aModelSourceInS3IsDownloadedIntoTheCacheAndLoads() {
        Path directory = ModelSources.directory("s3://" + MODEL_BUCKET + "/models/mask/test/",
                worker("s3://" + MODEL_BUCKET + "/models/mask/test/"), s3Properties(), Precision.FP32);

        assertThat(directory.getParent()).isEqualTo(cache.resolve("s3"));
        assertThat(directory.getFileName().toString()).matches("[0-9a-f]{64}");
        assertThat(directory.resolve("base/encoder.pt")).isRegularFile();
        try (Stream<Path> files = Files.walk(directory)) {
            assertThat(files.filter(f -> f.toString().endsWith(".part"))).isEmpty();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        try (PitiModel model = PitiModel.load(directory, new EngineOptions("cpu", true))) {
            assertThat(model.manifest().name()).isEqualTo("micro-mask");
        }
    }

    @Test
    void aSecondStartWithTheSameManifestReusesTheCacheWithoutDownloadingTheNetworks() {
        S3ModelSource.Location location = S3ModelSource.Location.parse("s3://" + MODEL_BUCKET + "/models/mask/test");
        Path first = new S3ModelSource(recording(models), location, cache).fetch(Precision.FP32);
        assertThat(fetched).hasSize(5).contains("models/mask/test/model.json", "models/mask/test/base/encoder.pt",
                "models/mask/test/base/decoder.pt", "models/mask/test/upsampler/encoder.pt",
                "models/mask/test/upsampler/decoder.pt");
        fetched.clear();

        Path second = new S3ModelSource(recording(models), location, cache).fetch(Precision.FP32);

        assertThat(second).isEqualTo(first);
        assertThat(fetched).containsExactly("models/mask/test/model.json");
    }

    @Test
    void anFp32WorkerSkipsTheBf16NetworksAndABf16WorkerAddsOnlyThoseToTheSameCache() {
        S3ModelSource.Location location = S3ModelSource.Location.parse("s3://" + MODEL_BUCKET + "/models/mask/test");
        Path fp32 = new S3ModelSource(recording(models), location, cache).fetch(Precision.FP32);
        assertThat(fetched).noneMatch(key -> key.contains(".bf16."));
        assertThat(fp32.resolve("base/encoder.bf16.pt")).doesNotExist();
        fetched.clear();

        Path bf16 = new S3ModelSource(recording(models), location, cache).fetch(Precision.BF16);

        assertThat(bf16).isEqualTo(fp32);
        assertThat(fetched).hasSize(5).contains("models/mask/test/model.json")
                .filteredOn(key -> !key.endsWith("model.json")).allMatch(key -> key.contains(".bf16."));
        try (PitiModel model = PitiModel.load(bf16, new EngineOptions("cpu", true, Precision.BF16))) {
            assertThat(model.precision()).isEqualTo(Precision.BF16);
        }
    }

    @Test
    void aPrecisionTheModelDoesNotHaveIsRefusedBeforeAnyNetworkIsDownloaded() {
        S3ModelSource.Location location = S3ModelSource.Location.parse("s3://" + MODEL_BUCKET + "/models/mask/test");

        assertThatThrownBy(() -> new S3ModelSource(recording(models), location, cache).fetch(Precision.FP16))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("has no fp16 networks");
        assertThat(fetched).containsExactly("models/mask/test/model.json");
    }

    @Test
    void aCorruptedFileInS3IsRefusedWithAChecksumMessageAndNothingLooksCached() throws Exception {
        upload("models/mask/corrupt/");
        byte[] decoder = Files.readAllBytes(microModel().resolve("base/decoder.pt"));
        decoder[decoder.length / 2] ^= 0x5a;
        models.put("models/mask/corrupt/base/decoder.pt", decoder, "application/octet-stream");
        S3ModelSource.Location location = S3ModelSource.Location.parse("s3://" + MODEL_BUCKET + "/models/mask/corrupt/");

        assertThatThrownBy(() -> new S3ModelSource(models, location, cache).fetch(Precision.FP32))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("checksum mismatch")
                .hasMessageContaining("s3://" + MODEL_BUCKET + "/models/mask/corrupt/base/decoder.pt");
        try (Stream<Path> files = Files.walk(cache)) {
            assertThat(files.filter(f -> f.getFileName().toString().equals("model.json")
                    || f.getFileName().toString().equals("decoder.pt")
                    || f.getFileName().toString().endsWith(".part"))).isEmpty();
        }
    }

    @Test
    void aModelJsonLargerThanAManifestCanBeIsRefusedWithItsSize() {
        byte[] huge = new byte[(int) S3ModelSource.MAX_MANIFEST_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        models.put("models/mask/huge/model.json", huge, "application/json");
        S3ModelSource.Location location = S3ModelSource.Location.parse("s3://" + MODEL_BUCKET + "/models/mask/huge/");

        assertThatThrownBy(() -> new S3ModelSource(models, location, cache).fetch(Precision.FP32))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("s3://" + MODEL_BUCKET + "/models/mask/huge/model.json is not a model manifest")
                .hasMessageContaining(huge.length + " bytes");
    }

    @Test
    void aPrefixWithoutAModelSaysSo() {
        S3ModelSource.Location location = S3ModelSource.Location.parse("s3://" + MODEL_BUCKET + "/models/none/");

        assertThatThrownBy(() -> new S3ModelSource(models, location, cache).fetch(Precision.FP32))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("no object s3://" + MODEL_BUCKET + "/models/none/model.json");
    }

    private void upload(String prefix) throws Exception {
        Path root = microModel();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = root.relativize(file).toString().replace('\\', '/');
                models.put(prefix + name, Files.readAllBytes(file), "application/octet-stream");
            }
        }
    }

    /** The real store, noting every key read from it. */
    private ObjectStore recording(ObjectStore store) {
        return new ObjectStore() {
            @Override
            public void put(String key, byte[] bytes, String contentType) {
                store.put(key, bytes, contentType);
            }

            @Override
            public Optional<byte[]> get(String key) {
                fetched.add(key);
                return store.get(key);
            }

            @Override
            public Optional<StoredObject> open(String key) {
                fetched.add(key);
                return store.open(key);
            }

            @Override
            public boolean exists(String key) {
                return store.exists(key);
            }

            @Override
            public java.util.List<String> list(String prefix, int max) {
                return store.list(prefix, max);
            }

            @Override
            public URI presignGet(String key, Duration ttl) {
                return store.presignGet(key, ttl);
            }

            @Override
            public boolean reachable() {
                return store.reachable();
            }
        };
    }

    private WorkerProperties worker(String modelSource) {
        return new WorkerProperties(List.of(), null, modelSource, cache, "cpu", 0, 1, "pitiserve-worker", null,
                Duration.ofMillis(250), Duration.ofSeconds(30), Duration.ofMillis(200), Duration.ofMillis(200),
                Duration.ofSeconds(10), Duration.ofSeconds(5), null, Duration.ofSeconds(10));
    }

    private static S3Properties s3Properties() {
        return new S3Properties(s3.server().endpoint(), "us-east-1", SERVICE_BUCKET, LocalS3Server.ACCESS_KEY,
                LocalS3Server.SECRET_KEY, true, false);
    }

    private static Path microModel() {
        return TestResources.microMask();
    }
}
