package io.pitiserve.bench;

import ai.djl.ndarray.NDArray;
import io.pitiserve.common.cli.CommandLine;
import io.pitiserve.worker.cli.NativeRuntime;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.pitiserve.worker.engine.DenoisingStep;
import io.pitiserve.worker.engine.Encoding;
import io.pitiserve.worker.engine.EngineOptions;
import io.pitiserve.worker.engine.Guidance;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Precision;
import io.pitiserve.worker.engine.Sampler;
import io.pitiserve.worker.engine.Stage;
import io.pitiserve.worker.engine.Trajectory;
import io.pitiserve.worker.engine.TranslationEngine;
import io.pitiserve.worker.engine.TranslationRequest;
import io.pitiserve.worker.engine.noise.SeededNoise;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;
import io.pitiserve.worker.models.BundledModels;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code bench engine}: what the engine costs around the networks. Prints a table and, as the last
 * line, one JSON object.
 *
 * <ul>
 *   <li>forward: the base decoder alone at batch 1 (median of {@code --steps} calls);</li>
 *   <li>overhead: one {@link DenoisingStep} of a single unguided trajectory minus its own decoder
 *       call (stacking, coefficients, noise, update, native memory scoping), median of
 *       {@code --steps} steps after 100 warm-up steps, for DDPM and for DPM-Solver++(2M), whose
 *       extra host work (its x0 history) is their difference;</li>
 *   <li>images/s: whole jobs (both stages) with 1, 4 and 8 samples, sampler {@code --sampler}
 *       (default ddpm);</li>
 *   <li>with {@code --released DIR}: one decoder call of released-size networks.</li>
 * </ul>
 */
final class EngineBenchmark {

    /** Steps run before the overhead is measured. */
    private static final int OVERHEAD_WARM_UP = 100;

    private static final Set<String> OPTIONS = Set.of("model", "threads", "steps", "base-steps", "sr-steps", "released", "device",
            "precision", "sampler");

    private final PrintStream out;
    private final PrintStream err;

    EngineBenchmark(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        CommandLine options = new CommandLine(args, OPTIONS, Set.of());
        int threads = options.integer("threads", 1);
        int steps = options.integer("steps", 200);
        if (threads < 1 || steps < 10) {
            throw new CommandLine.UsageException("--threads must be >= 1 and --steps >= 10");
        }
        NativeRuntime.configure(threads);
        String baseSteps = options.string("base-steps", "50");
        String srSteps = options.string("sr-steps", "fast27");
        Path modelDir = options.has("model")
                ? Path.of(options.string("model", null))
                : BundledModels.extract(BundledModels.TINY_MODEL, BundledModels.defaultCacheRoot());
        EngineOptions engineOptions = new EngineOptions(options.string("device", "cpu"), true,
                Precision.of(options.string("precision", "fp32")));
        Map<String, Object> json = new LinkedHashMap<>();
        try (PitiModel model = PitiModel.load(modelDir, engineOptions)) {
            if (model.singlePass()) {
                throw new CommandLine.UsageException("bench engine times diffusion stages; " + model.manifest().name()
                        + " is a single-pass model (its cost: bench quality's cpu s/image)");
            }
            Stage base = model.base();
            err.println("warming up ...");
            double forwardMs = median(timeForward(model, base, 1, steps));
            double overheadMs = median(timeStepOverhead(model, base, steps, new Sampler.Ddpm()));
            double overheadPct = 100 * overheadMs / forwardMs;
            // the multistep solver's own host work: its x0 history read and written at every step
            double solverMs = median(timeStepOverhead(model, base, steps, Sampler.of("dpmpp_2m", 0)));
            double solverPct = 100 * solverMs / forwardMs;
            double guidedForwardMs = median(timeForward(model, base, 2, Math.max(10, steps / 4)));
            Map<Integer, Double> imagesPerSecond = new LinkedHashMap<>();
            Sampler sampler = Sampler.of(options.string("sampler", "ddpm"), 0);
            translate(model, 1, baseSteps, srSteps, sampler);
            for (int batch : new int[] {1, 4, 8}) {
                long started = System.nanoTime();
                translate(model, batch, baseSteps, srSteps, sampler);
                imagesPerSecond.put(batch, batch / ((System.nanoTime() - started) / 1e9));
            }

            out.printf(Locale.ROOT, "engine benchmark: model %s, %s, %s, threads %d, jobs with %s, base %s + upsampler %s%n",
                    model.manifest().name(), engineOptions.device(), engineOptions.precision().label(), threads,
                    sampler.label(), baseSteps, srSteps);
            out.printf(Locale.ROOT, "%-44s %12s%n", "measure", "value");
            row("base decoder forward, batch 1 (ms)", forwardMs);
            row("base decoder forward, batch 2 = guided (ms)", guidedForwardMs);
            row("engine overhead per step, ddpm (ms)", overheadMs);
            row("engine overhead per step, ddpm (% of forward)", overheadPct);
            row("engine overhead per step, dpmpp_2m (ms)", solverMs);
            row("engine overhead per step, dpmpp_2m (% of fwd)", solverPct);
            row("dpmpp_2m minus ddpm (% of forward)", solverPct - overheadPct);
            for (Map.Entry<Integer, Double> entry : imagesPerSecond.entrySet()) {
                row("images/s, " + entry.getKey() + " sample(s) per job", entry.getValue());
            }
            json.put("model", model.manifest().name());
            json.put("device", engineOptions.device());
            json.put("precision", engineOptions.precision().label());
            json.put("threads", threads);
            json.put("forward_ms", round(forwardMs));
            json.put("forward_guided_ms", round(guidedForwardMs));
            json.put("overhead_ms", round(overheadMs));
            json.put("overhead_pct", round(overheadPct));
            json.put("overhead_dpmpp_2m_ms", round(solverMs));
            json.put("overhead_dpmpp_2m_pct", round(solverPct));
            json.put("sampler", sampler.label());
            json.put("images_per_s_b1", round(imagesPerSecond.get(1)));
            json.put("images_per_s_b4", round(imagesPerSecond.get(4)));
            json.put("images_per_s_b8", round(imagesPerSecond.get(8)));
            json.put("base_steps", baseSteps);
            json.put("sr_steps", srSteps);
        }
        if (options.has("released")) {
            Path released = Path.of(options.string("released", null));
            EngineOptions releasedOptions = new EngineOptions(engineOptions.device(), false, engineOptions.precision());
            try (PitiModel model = PitiModel.load(released, releasedOptions)) {
                double baseMs = median(timeForward(model, model.base(), 2, 2));
                double srMs = median(timeForward(model, model.upsampler(), 1, 2));
                row("released-size base decoder, 64 px, batch 2 (ms)", baseMs);
                row("released-size upsampler decoder, 256 px, batch 1 (ms)", srMs);
                json.put("released_base_b2_ms", round(baseMs));
                json.put("released_upsampler_b1_ms", round(srMs));
            }
        }
        out.println(toJson(json));
        return 0;
    }

    private void row(String label, double value) {
        out.printf(Locale.ROOT, "%-44s %12.3f%n", label, value);
    }

    /** Times the decoder alone on {@code batch} rows, after a few warm-up calls. */
    private static double[] timeForward(PitiModel model, Stage stage, int batch, int calls) {
        int size = stage.resolution();
        try (NDManager manager = NDManager.newBaseManager(model.device())) {
            int inputSize = model.manifest().input().size();
            NDArray ref = manager.zeros(new Shape(batch, model.manifest().input().channels(), inputSize, inputSize));
            Encoding encoding = stage.encode(ref);
            NDList inputs = new NDList(
                    manager.randomNormal(new Shape(batch, 3, size, size)),
                    manager.full(new Shape(batch), 500f),
                    encoding.xfProj(),
                    encoding.xfOut());
            if (stage.spec().lowRes() != null) {
                int low = stage.spec().lowRes();
                inputs.add(manager.zeros(new Shape(batch, 3, low, low)));
            }
            int warmUp = Math.min(5, calls);
            double[] times = new double[calls];
            for (int k = -warmUp; k < calls; k++) {
                try (NDManager call = manager.newSubManager()) {
                    call.tempAttachAll(inputs.toArray(new NDArray[0]));
                    long started = System.nanoTime();
                    stage.decode(inputs).toFloatArray();
                    if (k >= 0) {
                        times[k] = (System.nanoTime() - started) / 1e6;
                    }
                }
            }
            return times;
        }
    }

    /**
     * Total minus forward time of single-trajectory steps of the base stage, after
     * {@link #OVERHEAD_WARM_UP} steps that let the JIT compile the step's host code as a serving
     * worker, which runs it continuously, has it; trajectories of 1000 steps follow one another.
     */
    private static double[] timeStepOverhead(PitiModel model, Stage stage, int steps, Sampler sampler) {
        double[] overheads = new double[steps];
        RespacedSchedule schedule = stage.schedule("1000");
        try (NDManager job = NDManager.newBaseManager(model.device())) {
            int inputSize = model.manifest().input().size();
            Encoding encoding = stage.encode(job.zeros(new Shape(1, model.manifest().input().channels(), inputSize, inputSize)));
            Trajectory trajectory = null;
            for (int k = -OVERHEAD_WARM_UP; k < steps; k++) {
                if (trajectory == null || trajectory.finished()) {
                    trajectory = Trajectory.start(stage, schedule, sampler, Guidance.NONE, encoding, null,
                            null, new SeededNoise(1, 0, k));
                }
                DenoisingStep.Timing timing = DenoisingStep.run(stage, List.of(trajectory), job);
                if (k >= 0) {
                    overheads[k] = (timing.totalNanos() - timing.forwardNanos()) / 1e6;
                }
            }
        }
        return overheads;
    }

    private static void translate(PitiModel model, int samples, String baseSteps, String srSteps, Sampler sampler) {
        int size = model.manifest().input().size();
        int channels = model.manifest().input().channels();
        float[] ref = new float[channels * size * size];
        Arrays.fill(ref, -0.5f);
        new TranslationEngine(model).translate(new TranslationRequest(ref, channels, size, samples, 7, baseSteps, srSteps,
                sampler, new Guidance(Guidance.Mode.CFG, 1.3), null, false));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    private static String toJson(Map<String, Object> json) {
        return json.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\": " + (e.getValue() instanceof String s ? "\"" + s + "\"" : e.getValue()))
                .collect(Collectors.joining(", ", "{", "}"));
    }
}
