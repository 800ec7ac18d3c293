package io.pitiserve.worker.cli;

import io.pitiserve.common.image.ConditionImage;
import io.pitiserve.common.image.InputKind;
import io.pitiserve.common.image.PngImages;
import io.pitiserve.worker.engine.EngineOptions;
import io.pitiserve.worker.engine.Guidance;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Precision;
import io.pitiserve.worker.engine.RecordedNoise;
import io.pitiserve.worker.engine.Sampler;
import io.pitiserve.worker.engine.StageKind;
import io.pitiserve.worker.engine.TranslationEngine;
import io.pitiserve.worker.engine.TranslationRequest;
import io.pitiserve.worker.engine.TranslationResult;
import io.pitiserve.worker.models.BundledModels;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code translate}: one job from a file to PNGs, offline, with a progress bar. */
final class TranslateCommand {

    private static final Set<String> OPTIONS = Set.of("model", "task", "input", "out", "seed", "num-samples",
            "guidance-scale", "guidance", "base-steps", "sr-steps", "sampler", "eta", "noise", "device", "threads",
            "precision");
    private static final Set<String> FLAGS = Set.of("save-base", "quiet");

    private final PrintStream out;
    private final PrintStream err;

    TranslateCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        Arguments options = new Arguments(args, OPTIONS, FLAGS);
        if (!options.has("out")) {
            throw new Arguments.UsageException("translate needs --out DIR");
        }
        Path outDirectory = checkOutput(Path.of(options.string("out", null)));
        NativeRuntime.configure(options.integer("threads", 0));
        Path modelDir = options.has("model")
                ? Path.of(options.string("model", null))
                : BundledModels.extract(BundledModels.DEFAULT_MODEL, BundledModels.defaultCacheRoot());
        EngineOptions engineOptions = new EngineOptions(options.string("device", "cpu"), true,
                Precision.of(options.string("precision", "fp32")));
        try (PitiModel model = PitiModel.load(modelDir, engineOptions)) {
            String modelTask = model.manifest().input().kind();
            InputKind task = InputKind.fromWireName(options.string("task", modelTask));
            if (!task.wireName().equals(modelTask)) {
                throw new IllegalArgumentException("model " + model.manifest().name() + " translates " + modelTask
                        + " inputs; --task " + task.wireName() + " needs a " + task.wireName() + " model");
            }
            byte[] file = readInput(options, task);
            ConditionImage condition = task.preprocessor(
                    io.pitiserve.common.image.InputLimits.DEFAULT, model.manifest().input().size()).prepare(file);
            for (String note : condition.notes()) {
                err.println("note: " + note.replace('_', ' '));
            }
            TranslationRequest request = new TranslationRequest(
                    condition.data(), condition.channels(), condition.size(),
                    options.integer("num-samples", 1),
                    options.longValue("seed", 0),
                    options.string("base-steps", null),
                    options.string("sr-steps", null),
                    Sampler.of(options.string("sampler", "ddpm"), options.number("eta", 0.0)),
                    new Guidance(Guidance.Mode.of(options.string("guidance", model.manifest().guidance().mode())),
                            options.number("guidance-scale", model.manifest().guidance().scale())),
                    options.has("noise") ? RecordedNoise.read(Path.of(options.string("noise", null))) : null,
                    options.flag("save-base"));
            ProgressBar bar = new ProgressBar(err, !options.flag("quiet"));
            TranslationResult result;
            try {
                result = new TranslationEngine(model).translate(request, bar, () -> false);
            } finally {
                bar.finish();
            }
            List<Path> written = write(outDirectory, result);
            TranslationResult.Timings t = result.timings();
            err.printf(Locale.ROOT, "done in %.2f s (encode %.0f ms, base %d steps %.0f ms, upsampler %d steps %.0f ms)%n",
                    t.totalMs() / 1000, t.encodeMs(), t.baseSteps(), t.baseMs(), t.upsamplerSteps(), t.upsamplerMs());
            for (Path path : written) {
                out.println(path);
            }
            return 0;
        }
    }

    /**
     * Refuses an --out that cannot become a directory before any work; the directory itself is
     * only created once there are results, so a failed run leaves nothing behind.
     */
    private static Path checkOutput(Path directory) {
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            throw new IllegalArgumentException("--out " + directory + " exists and is not a directory");
        }
        return directory;
    }

    private static byte[] readInput(Arguments options, InputKind task) {
        if (!options.has("input")) {
            if (task != InputKind.MASK) {
                throw new Arguments.UsageException("--input FILE is required for " + task.wireName() + " models");
            }
            return BundledModels.example("mask.png");
        }
        Path input = Path.of(options.string("input", null));
        try {
            return Files.readAllBytes(input);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("input file " + input + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read input file " + input + ": " + e.getMessage());
        }
    }

    private static List<Path> write(Path directory, TranslationResult result) {
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(directory);
            for (int s = 0; s < result.images().size(); s++) {
                Path file = directory.resolve("sample-" + s + ".png");
                Files.write(file, PngImages.encode(result.images().get(s), 3, result.size(), result.size()));
                written.add(file);
            }
            for (int s = 0; s < result.baseImages().size(); s++) {
                Path file = directory.resolve("base-" + s + ".png");
                Files.write(file, PngImages.encode(result.baseImages().get(s), 3, result.baseSize(), result.baseSize()));
                written.add(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + directory, e);
        }
        return written;
    }

    /** One line on stderr, rewritten in place after every step. */
    static final class ProgressBar implements io.pitiserve.worker.engine.ProgressListener {
        private static final int WIDTH = 30;
        private final PrintStream err;
        private final boolean enabled;
        private StageKind lastStage;

        ProgressBar(PrintStream err, boolean enabled) {
            this.err = err;
            this.enabled = enabled;
        }

        @Override
        public void onStep(StageKind stage, int step, int of) {
            if (!enabled) {
                return;
            }
            if (lastStage != null && lastStage != stage) {
                err.println();
            }
            lastStage = stage;
            int filled = (int) ((long) WIDTH * step / of);
            err.printf(Locale.ROOT, "\r%-9s [%s%s] %d/%d", stage.label(), "#".repeat(filled), ".".repeat(WIDTH - filled), step, of);
        }

        void finish() {
            if (enabled && lastStage != null) {
                err.println();
            }
        }
    }
}
