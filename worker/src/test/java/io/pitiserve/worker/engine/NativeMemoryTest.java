package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.pitiserve.worker.engine.noise.SeededNoise;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Native memory does not grow with the number of steps: every step's temporaries, every job's
 * arrays and every encoding are freed. Measured as the process's resident set (VmRSS, Linux),
 * which is where a leaked libtorch tensor shows; the Java heap alone would not see it. The build
 * runs this class in a JVM of its own with a fixed, pre-touched heap, so that heap growth does not
 * count as native growth.
 */
class NativeMemoryTest {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final long MAX_GROWTH_BYTES = 50L * 1024 * 1024;
    private static final int MIN_STEPS = 2_000;
    private static final int WARM_UP_ROUNDS = 8;

    /** Guided base over 100 steps and the upsampler over 20: 120 group steps per job. */
    private static final String BASE_RESPACING = "100";
    private static final String SR_RESPACING = "20";

    @Test
    void twoThousandSamplingStepsGrowTheResidentSetByLessThanFiftyMegabytes() {
        assumeThat(Files.isReadable(STATUS)).as("VmRSS needs Linux /proc").isTrue();
        try (PitiModel model = PitiModel.load(Fixtures.model("micro-mask"), Fixtures.cpu())) {
            TranslationEngine engine = new TranslationEngine(model);
            AtomicInteger steps = new AtomicInteger();
            ProgressListener counter = (stage, step, of) -> steps.incrementAndGet();

            // Warm-up: RSS climbs over the first rounds (the C allocator's arenas and libtorch's
            // caches, TorchScript's graphs per batch shape, the JIT) and reaches its plateau after
            // about seven rounds here (a 6,000-step run stayed within 10 MB of it); a leak would
            // keep it climbing with every round after that.
            AtomicInteger groupSteps = new AtomicInteger();
            for (int round = 0; round < WARM_UP_ROUNDS; round++) {
                runRound(model, engine, round, counter, groupSteps);
            }
            steps.set(0);
            groupSteps.set(0);
            long baseline = settledRss();

            List<Long> trace = new ArrayList<>();
            int rounds = 0;
            while (steps.get() + groupSteps.get() < MIN_STEPS) {
                runRound(model, engine, 100 + rounds, counter, groupSteps);
                trace.add(Math.round(mb(vmRssBytes())));
                rounds++;
            }
            long after = settledRss();

            int total = steps.get() + groupSteps.get();
            long growth = after - baseline;
            System.out.printf(Locale.ROOT, "native memory: %d steps (%d in %d engine jobs + %d direct group steps),"
                            + " VmRSS %.1f MB -> %.1f MB, growth %.1f MB (limit %d MB); VmRSS after each round"
                            + " (MB) %s; Java heap committed %.1f MB%n",
                    total, steps.get(), rounds * 2, groupSteps.get(), mb(baseline), mb(after), mb(growth),
                    MAX_GROWTH_BYTES / (1024 * 1024), trace, mb(Runtime.getRuntime().totalMemory()));
            assertThat(total).as("denoising steps run").isGreaterThanOrEqualTo(MIN_STEPS);
            assertThat(growth).as("VmRSS growth in bytes over %d steps", total).isLessThan(MAX_GROWTH_BYTES);
        }
    }

    /** One round: two engine jobs and one direct group, 340 steps. */
    private static void runRound(PitiModel model, TranslationEngine engine, long seed, ProgressListener counter,
                                 AtomicInteger groupSteps) {
        runJobs(engine, seed, counter);
        groupSteps.addAndGet(runMixedGroup(model, seed));
    }

    /** Two jobs: two CFG samples with DDPM, one normalized-guidance sample with DDIM eta 0.5. */
    private static void runJobs(TranslationEngine engine, long seed, ProgressListener counter) {
        int size = engine.model().manifest().input().size();
        float[] ref = new float[3 * size * size];
        for (int k = 0; k < ref.length; k++) {
            ref[k] = ((k + seed) % 5) / 2.5f - 1;
        }
        engine.translate(new TranslationRequest(ref, 3, size, 2, seed, BASE_RESPACING, SR_RESPACING,
                new Sampler.Ddpm(), new Guidance(Guidance.Mode.CFG, 1.3), null, true), counter, () -> false);
        engine.translate(new TranslationRequest(ref, 3, size, 1, seed, BASE_RESPACING, SR_RESPACING,
                new Sampler.Ddim(0.5), new Guidance(Guidance.Mode.NORMALIZED, 1.4), null, false), counter, () -> false);
    }

    /**
     * {@link DenoisingStep#run} directly on one base group mixing a CFG DDPM, an unguided DDIM and a
     * normalized DDPM trajectory, in its own job manager; returns the steps run.
     */
    private static int runMixedGroup(PitiModel model, long seed) {
        Stage base = model.base();
        RespacedSchedule schedule = base.schedule(BASE_RESPACING);
        int size = model.manifest().input().size();
        int steps = 0;
        try (NDManager job = NDManager.newBaseManager(model.device())) {
            NDArray ref = job.ones(new Shape(1, 3, size, size)).mul(-0.5f);
            Encoding conditional = base.encode(ref);
            Encoding unconditional = base.unconditional(job);
            List<Trajectory> group = List.of(
                    Trajectory.start(base, schedule, new Sampler.Ddpm(), new Guidance(Guidance.Mode.CFG, 1.3),
                            conditional, unconditional, null, new SeededNoise(seed, 0, 0)),
                    Trajectory.start(base, schedule, new Sampler.Ddim(0.0), Guidance.NONE,
                            conditional, null, null, new SeededNoise(seed, 0, 1)),
                    Trajectory.start(base, schedule, new Sampler.Ddpm(), new Guidance(Guidance.Mode.NORMALIZED, 1.4),
                            conditional, unconditional, null, new SeededNoise(seed, 0, 2)));
            while (!group.get(0).finished()) {
                DenoisingStep.run(base, group, job);
                steps++;
            }
        }
        return steps;
    }

    /** VmRSS after a full GC, so that garbage Java objects do not count. */
    private static long settledRss() {
        System.gc();
        return vmRssBytes();
    }

    private static long vmRssBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    // "VmRSS:    123456 kB"
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + STATUS, e);
        }
        throw new IllegalStateException("no VmRSS line in " + STATUS);
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
