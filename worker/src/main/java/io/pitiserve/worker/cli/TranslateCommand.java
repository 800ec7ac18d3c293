package io.pitiserve.worker.cli;

import io.pitiserve.common.cli.CommandLine;

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

/**
 * {@code translate}: one job from a file to PNGs, offline, with a progress bar; or, with
 * {@code --input-dir}, one job per PNG of a directory in one process (the model loaded once).
 */
final class TranslateCommand {

    private static final Set<String> OPTIONS = Set.of("model", "task", "input", "out", "seed", "num-samples",
            "guidance-scale", "guidance", "base-steps", "sr-steps", "sampler", "eta", "noise", "device", "threads",
            "precision", "input-dir");
    private static final Set<String> FLAGS = Set.of("save-base", "quiet");

    private final PrintStream out;
    private final PrintStream err;

    TranslateCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        CommandLine options = new CommandLine(args, OPTIONS, FLAGS);
        if (!options.has("out")) {
            throw new CommandLine.UsageException("translate needs --out DIR");
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
            if (options.has("input-dir")) {
                return translateDirectory(options, model, task, outDirectory);
            }
            byte[] file = readInput(options, task);
            TranslationRequest request = request(options, model, task, file, options.longValue("seed", 0));
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
     * Every {@code *.png} of {@code --input-dir}, numbered names in number order, as its own job: the output of
     * {@code NAME.png} is {@code OUT/NAME.png} (its sample 0; {@code NAME-s.png} for further
     * samples). The seed of {@code N.png} (a number) is {@code --seed + N}, of any other name
     * {@code --seed} plus its position, so an image's noise does not depend on which other files
     * are there. Inputs whose output exists are skipped, so a stopped run resumes. Ends with one
     * JSON line: images translated, wall and process CPU seconds (model loading excluded).
     */
    private int translateDirectory(CommandLine options, PitiModel model, InputKind task, Path outDirectory) {
        if (options.has("input") || options.has("noise")) {
            throw new CommandLine.UsageException("--input-dir takes neither --input nor --noise");
        }
        Path inputs = Path.of(options.string("input-dir", null));
        List<Path> files;
        try (var listing = Files.list(inputs)) {
            files = listing.filter(f -> f.getFileName().toString().endsWith(".png"))
                    .sorted(java.util.Comparator.comparing(TranslateCommand::numberOf).thenComparing(Path::toString))
                    .toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list --input-dir " + inputs + ": " + e.getMessage());
        }
        long seed = options.longValue("seed", 0);
        TranslationEngine engine = new TranslationEngine(model);
        long wallStarted = System.nanoTime();
        long cpuStarted = processCpuNanos();
        int done = 0;
        for (int position = 0; position < files.size(); position++) {
            Path file = files.get(position);
            String stem = file.getFileName().toString().replaceFirst("\\.png$", "");
            if (Files.exists(outDirectory.resolve(stem + ".png"))) {
                continue;
            }
            long number = numberOf(file);
            long imageSeed = seed + (number >= 0 ? number : position);
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            TranslationResult result = engine.translate(request(options, model, task, bytes, imageSeed),
                    (stage, step, of) -> { }, () -> false);
            writeNamed(outDirectory, stem, result);
            done++;
            if (!options.flag("quiet")) {
                err.printf(Locale.ROOT, "%s: %.2f s%n", file.getFileName(), result.timings().totalMs() / 1000);
            }
        }
        double wall = (System.nanoTime() - wallStarted) / 1e9;
        double cpu = (processCpuNanos() - cpuStarted) / 1e9;
        out.printf(Locale.ROOT, "{\"images\": %d, \"seconds\": %.3f, \"cpu_seconds\": %.3f, \"threads\": %d}%n",
                done, wall, cpu, options.integer("threads", 0));
        return 0;
    }

    /** The number a file is named by ({@code 12.png}: 12), or -1: inputs run in number order, other names first. */
    private static long numberOf(Path file) {
        String stem = file.getFileName().toString().replaceFirst("\\.png$", "");
        return stem.matches("\\d{1,9}") ? Long.parseLong(stem) : -1;
    }

    private TranslationRequest request(CommandLine options, PitiModel model, InputKind task, byte[] file, long seed) {
        ConditionImage condition = task.preprocessor(
                io.pitiserve.common.image.InputLimits.DEFAULT, model.manifest().input().size()).prepare(file);
        if (!options.flag("quiet")) {
            for (String note : condition.notes()) {
                err.println("note: " + note.replace('_', ' '));
            }
        }
        if (model.singlePass()) {
            // One generator forward: the sampler, step, guidance and noise options do not apply.
            return TranslationRequest.singlePass(condition.data(), condition.channels(), condition.size(),
                    options.integer("num-samples", 1), seed);
        }
        return new TranslationRequest(
                condition.data(), condition.channels(), condition.size(),
                options.integer("num-samples", 1),
                seed,
                options.string("base-steps", null),
                options.string("sr-steps", null),
                Sampler.of(options.string("sampler", model.manifest().sampler()), options.number("eta", 0.0)),
                new Guidance(Guidance.Mode.of(options.string("guidance", model.manifest().guidance().mode())),
                        options.number("guidance-scale", model.manifest().guidance().scale())),
                options.has("noise") ? RecordedNoise.read(Path.of(options.string("noise", null))) : null,
                options.flag("save-base"));
    }

    /** CPU time of the whole process (every thread, the native ones included). */
    private static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    private static void writeNamed(Path directory, String stem, TranslationResult result) {
        try {
            Files.createDirectories(directory);
            for (int s = 0; s < result.images().size(); s++) {
                Path file = directory.resolve(s == 0 ? stem + ".png" : stem + "-" + s + ".png");
                Path partial = directory.resolve(file.getFileName() + ".part");
                Files.write(partial, PngImages.encode(result.images().get(s), 3, result.size(), result.size()));
                Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + directory, e);
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

    private static byte[] readInput(CommandLine options, InputKind task) {
        if (!options.has("input")) {
            if (task != InputKind.MASK) {
                throw new CommandLine.UsageException("--input FILE is required for " + task.wireName() + " models");
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
