package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.pitiserve.worker.engine.noise.SeededNoise;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A step over a group of trajectories that differ in everything (position, sampler, step spacing,
 * guidance mode and scale, input) gives every member what it gets when stepped alone: multistep
 * solvers keep their own history whatever shares their decoder calls.
 */
class GroupStepTest {

    /**
     * CPU kernels block their loops by batch size and by the vector width of the machine, so the same
     * row can round differently in a batch of 1 and of 6; over tens of steps, amplified most by the
     * Karras multistep solver under guidance, that reaches about 2e-4 on an AVX2-only x86-64 machine.
     * 1e-3 leaves room for other kernels and is still far below what a mixed-up row gives (jobs differ
     * by more than 0.01; bit-identity is the scheduler's concern, not the step's).
     */
    static final double TOLERANCE = 1e-3;

    private static PitiModel model;

    @BeforeAll
    static void load() {
        model = PitiModel.load(Fixtures.model("micro-mask"), Fixtures.cpu());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private record Spec(String respacing, Sampler sampler, Guidance guidance, float fill, long seed) {
    }

    private static final List<Spec> SPECS = List.of(
            new Spec("10", new Sampler.Ddpm(), new Guidance(Guidance.Mode.CFG, 1.3), -0.5f, 1),
            new Spec("ddim8", new Sampler.Ddim(0.5), new Guidance(Guidance.Mode.NORMALIZED, 2.0), 0.25f, 2),
            new Spec("fast27", new Sampler.Ddpm(), Guidance.NONE, 0.75f, 3),
            new Spec("5,3", new Sampler.Ddim(0.0), new Guidance(Guidance.Mode.CFG, 3.0), -0.9f, 4),
            new Spec("8", Sampler.of("dpmpp_2m", 0), new Guidance(Guidance.Mode.CFG, 1.3), 0.1f, 5),
            new Spec("6", Sampler.of("dpmpp_2m_karras", 0), new Guidance(Guidance.Mode.NORMALIZED, 1.4), -0.2f, 6),
            new Spec("12", Sampler.of("dpmpp_2m_logsnr", 0), Guidance.NONE, 0.5f, 7),
            new Spec("7", Sampler.of("dpmpp_2m_sde", 0), new Guidance(Guidance.Mode.CFG, 2.0), 0.3f, 8));

    @Test
    void aMixedGroupGivesEveryTrajectoryItsOwnResult() {
        try (NDManager manager = NDManager.newBaseManager(model.device())) {
            List<float[]> alone = new ArrayList<>();
            for (Spec spec : SPECS) {
                Trajectory trajectory = start(spec, manager);
                while (!trajectory.finished()) {
                    DenoisingStep.run(model.base(), List.of(trajectory), manager);
                }
                alone.add(trajectory.latent());
            }

            List<Trajectory> all = new ArrayList<>();
            for (Spec spec : SPECS) {
                all.add(start(spec, manager));
            }
            // Stagger the starts so that members sit at different steps of their own schedules.
            List<Trajectory> running = new ArrayList<>();
            int started = 0;
            while (started < all.size() || !running.isEmpty()) {
                if (started < all.size()) {
                    running.add(all.get(started++));
                }
                DenoisingStep.run(model.base(), running, manager);
                running.removeIf(Trajectory::finished);
            }
            for (int k = 0; k < SPECS.size(); k++) {
                assertThat(maxDifference(all.get(k).latent(), alone.get(k)))
                        .as("trajectory %d", k).isLessThanOrEqualTo(TOLERANCE);
            }
            assertThat(maxDifference(alone.get(0), alone.get(1))).as("different jobs differ").isGreaterThan(0.01);
        }
    }

    @Test
    void aGroupStepNeverMixesStages() {
        try (NDManager manager = NDManager.newBaseManager(model.device())) {
            Trajectory base = start(SPECS.get(0), manager);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> DenoisingStep.run(model.upsampler(), List.of(base), manager))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static Trajectory start(Spec spec, NDManager manager) {
        int size = model.manifest().input().size();
        NDArray ref = manager.full(new Shape(1, 3, size, size), spec.fill());
        Stage base = model.base();
        return Trajectory.start(base, base.schedule(spec.respacing(), spec.sampler().spacing()), spec.sampler(),
                spec.guidance(),
                base.encode(ref), base.unconditional(manager), null, new SeededNoise(spec.seed(), 0, 0));
    }

    static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int k = 0; k < a.length; k++) {
            max = Math.max(max, Math.abs(a[k] - b[k]));
        }
        return max;
    }

}
