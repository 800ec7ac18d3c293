package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.pitiserve.common.npy.NpyArray;
import io.pitiserve.worker.engine.noise.FileNoise;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine against the independent NumPy reference sampler of tools/ on the committed parity
 * fixtures: same networks, same recorded noise, max abs difference <= 1e-4 per stage.
 */
class ReferenceParityTest {

    private static final double TOLERANCE = 1e-4;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path PARITY = Fixtures.resource("fixtures/parity");
    private static final Map<String, PitiModel> MODELS = new HashMap<>();

    @BeforeAll
    static void loadModels() {
        for (String name : List.of("micro-mask", "micro-sketch")) {
            MODELS.put(name, PitiModel.load(Fixtures.model(name), Fixtures.cpu()));
        }
    }

    @AfterAll
    static void closeModels() {
        MODELS.values().forEach(PitiModel::close);
    }

    static Stream<String> cases() throws Exception {
        JsonNode index = JSON.readTree(PARITY.resolve("index.json").toFile());
        List<String> names = new ArrayList<>();
        index.path("cases").forEach(c -> names.add(c.path("case").asString()));
        assertThat(names).hasSizeGreaterThanOrEqualTo(10).anyMatch(n -> n.contains("dpmpp"));
        return names.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyStageMatchesTheReferenceSamplerWithTheSameNoise(String name) throws Exception {
        Path dir = PARITY.resolve(name);
        JsonNode spec = JSON.readTree(dir.resolve("case.json").toFile());
        PitiModel model = MODELS.get(spec.path("model").asString());
        int samples = spec.path("samples").asInt();
        Sampler sampler = Sampler.of(spec.path("sampler").asString(), spec.path("eta").asDouble());
        Guidance guidance = new Guidance(Guidance.Mode.of(spec.path("guidance").path("mode").asString()),
                spec.path("guidance").path("scale").asDouble());
        List<String> stages = new ArrayList<>();
        spec.path("stages").forEach(s -> stages.add(s.asString()));

        try (NDManager job = NDManager.newBaseManager(model.device())) {
            NpyArray ref = Fixtures.npy(dir.resolve("ref.npy"));
            NDArray refArray = job.create(ref.data(), new Shape(ref.shape()));
            NDArray lowRes = null;
            if (stages.contains("base")) {
                Stage base = model.base();
                RespacedSchedule schedule = base.schedule(spec.path("base_respacing").asString(), sampler.spacing());
                float[] outputs = runStage(base, schedule, sampler, guidance, refArray,
                        Fixtures.npy(dir.resolve("noise/base.npy")), samples, null, job);
                assertClose(outputs, Fixtures.npy(dir.resolve("expected/base.npy")), name + " base");
                float[] quantised = TranslationEngine.quantise(outputs);
                NpyArray expectedLowRes = Fixtures.npy(dir.resolve("expected/low_res.npy"));
                assertQuantisedClose(quantised, expectedLowRes, name + " low_res");
                // Truncation to 8-bit levels turns a 1e-7 difference at a level boundary into one
                // level; the upsampler is compared from the reference's own hand-off.
                lowRes = job.create(expectedLowRes.data(), new Shape(expectedLowRes.shape()));
            }
            if (stages.contains("upsampler")) {
                if (lowRes == null) {
                    NpyArray given = Fixtures.npy(dir.resolve("low_res.npy"));
                    lowRes = job.create(given.data(), new Shape(given.shape()));
                }
                Stage upsampler = model.upsampler();
                RespacedSchedule schedule = upsampler.schedule(spec.path("sr_respacing").asString(), sampler.spacing());
                float[] outputs = runStage(upsampler, schedule, sampler, Guidance.NONE, refArray,
                        Fixtures.npy(dir.resolve("noise/upsampler.npy")), samples, lowRes, job);
                assertClose(outputs, Fixtures.npy(dir.resolve("expected/upsampler.npy")), name + " upsampler");
            }
        }
    }

    /** Runs the stage for every sample as one group; the samples' outputs, concatenated. */
    private static float[] runStage(Stage stage, RespacedSchedule schedule, Sampler sampler, Guidance guidance,
                                          NDArray refs, NpyArray noise, int samples, NDArray lowRes, NDManager job) {
        // Each sample has its own input here, as if every sample were a different job sharing the batch.
        Encoding unconditional = guidance.needsUnconditional() ? stage.unconditional(job) : null;
        List<Trajectory> group = new ArrayList<>();
        for (int s = 0; s < samples; s++) {
            Encoding conditional = stage.encode(refs.get(s + ":" + (s + 1)));
            NDArray sampleLowRes = lowRes == null ? null : lowRes.get(s + ":" + (s + 1));
            group.add(Trajectory.start(stage, schedule, sampler, guidance, conditional, unconditional, sampleLowRes,
                    new FileNoise(noise, s)));
        }
        while (!group.get(0).finished()) {
            DenoisingStep.run(stage, group, job);
        }
        int perSample = group.get(0).latent().length;
        float[] outputs = new float[samples * perSample];
        for (int s = 0; s < samples; s++) {
            System.arraycopy(group.get(s).latent(), 0, outputs, s * perSample, perSample);
        }
        return outputs;
    }

    private static void assertClose(float[] a, NpyArray expected, String what) {
        assertThat((long) a.length).as(what + " size").isEqualTo(java.util.Arrays.stream(expected.shape()).reduce(1, (x, y) -> x * y));
        float[] e = expected.data();
        double max = 0;
        for (int k = 0; k < a.length; k++) {
            max = Math.max(max, Math.abs(a[k] - e[k]));
        }
        assertThat(max).as(what + ": max abs difference to the reference").isLessThanOrEqualTo(TOLERANCE);
        // A constant output would make the comparison meaningless.
        assertThat(stats(e)).as(what + ": reference output varies").isGreaterThan(1e-3);
    }

    /** At most one 8-bit level apart, and on at most 1% of the values. */
    private static void assertQuantisedClose(float[] a, NpyArray expected, String what) {
        float[] e = expected.data();
        int differing = 0;
        for (int k = 0; k < a.length; k++) {
            double difference = Math.abs(a[k] - e[k]);
            assertThat(difference).as(what + " at " + k).isLessThanOrEqualTo(1 / 127.5 + 1e-6);
            if (difference > 1e-6) {
                differing++;
            }
        }
        assertThat(differing).as(what + ": values one level apart").isLessThanOrEqualTo(Math.max(2, a.length / 100));
    }

    private static double stats(float[] values) {
        double mean = 0;
        for (float v : values) {
            mean += v;
        }
        mean /= values.length;
        double variance = 0;
        for (float v : values) {
            variance += (v - mean) * (v - mean);
        }
        return variance / values.length;
    }
}
