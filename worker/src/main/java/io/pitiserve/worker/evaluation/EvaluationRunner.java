package io.pitiserve.worker.evaluation;

import io.pitiserve.common.events.EvaluationSpec;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.image.PngImages;
import io.pitiserve.common.storage.ObjectKeys;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.TranslationResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an evaluation job: every image of the spec's dataset, at every setting, is translated by the
 * lane's model through the worker's engine (one image at a time, with seed {@code seed + i}, batched
 * with whatever else the scheduler runs), stored as PNG, and scored by {@link QualityScore}; then the
 * table (one row per setting) is stored as {@code results/{job}/evaluation.json}.
 *
 * <p>A single-pass model (one generator forward, no diffusion) is evaluated the same way: its
 * settings ask for nothing it uses, so one setting suffices, and its row has no released GFLOP.
 *
 * <p>The translation, the writes and the progress reports are the job runner's, passed in, so an
 * evaluation is retried, cancelled, timed out and reported like a translation.
 */
public final class EvaluationRunner {

    /** PITI's forward cost of one decoder call per image at its released sizes, as the tools count it. */
    static final double RELEASED_BASE_GFLOP = 230.0;
    static final double RELEASED_UPSAMPLER_GFLOP = 1272.0;

    private static final Logger log = LoggerFactory.getLogger(EvaluationRunner.class);

    /** Translates one input with the given parameters. */
    @FunctionalInterface
    public interface Translator {
        TranslationResult translate(TranslationParams params, byte[] input);
    }

    /** Stores one object. */
    @FunctionalInterface
    public interface Writer {
        void put(String key, byte[] bytes, String contentType);
    }

    /** Reads one object of an S3 dataset: its bytes, or empty when there is no such key. */
    @FunctionalInterface
    public interface Reader {
        Optional<byte[]> get(String key);
    }

    /** Told after each image: {@code done} of {@code total} translations are scored. */
    @FunctionalInterface
    public interface Progress {
        void imagesDone(int done, int total);
    }

    /** The stored table and the job's timings in milliseconds. */
    public record Outcome(String tableKey, Map<String, Object> table, Map<String, Double> timings) {
    }

    /** One dataset image: the model's input, the mask behind it (null: none, FD only), the reference's statistics. */
    private record Item(String name, byte[] input, byte[] maskPng, PatchStatistics reference) {
    }

    private final Translator translator;
    private final Reader reader;
    private final Writer writer;
    private final Progress progress;
    private final PixelClassifier classifier;

    public EvaluationRunner(Translator translator, Reader reader, Writer writer, Progress progress) {
        this.translator = translator;
        this.reader = reader;
        this.writer = writer;
        this.progress = progress;
        this.classifier = PixelClassifier.world();
    }

    /** The spec stored as an evaluation's input. */
    public static EvaluationSpec readSpec(byte[] json) {
        EvaluationSpec spec;
        try {
            spec = EventCodec.readJson(json, EvaluationSpec.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the evaluation spec is not readable: " + e.getMessage(), e);
        }
        if (spec.s3Prefix() == null && !EvaluationSpec.WORLD_HELDOUT.equals(spec.dataset())) {
            throw new IllegalArgumentException("unknown dataset '" + spec.dataset() + "'; this worker has "
                    + EvaluationSpec.WORLD_HELDOUT + " or reads an s3_prefix");
        }
        if (spec.settings().isEmpty() || spec.settings().size() > EvaluationSpec.MAX_SETTINGS) {
            throw new IllegalArgumentException("an evaluation needs 1.." + EvaluationSpec.MAX_SETTINGS + " settings");
        }
        if (spec.images() < 1) {
            throw new IllegalArgumentException("the evaluation selects no images (limit " + spec.limit() + ")");
        }
        return spec;
    }

    /**
     * Runs the evaluation.
     *
     * @param job      the job's parameters: task, model, seed, priority, deadline, metadata
     * @param manifest the lane's model
     * @param label    the model's {@code name@version}
     */
    public Outcome run(String jobId, EvaluationSpec spec, TranslationParams job, ModelManifest manifest,
                       String label) {
        long t0 = System.nanoTime();
        List<Item> scenes = items(spec, job.task());
        int total = scenes.size() * spec.settings().size();
        int done = 0;
        List<Map<String, Object>> rows = new ArrayList<>();
        double translateMs = 0;
        double scoreMs = 0;
        for (int s = 0; s < spec.settings().size(); s++) {
            EvaluationSpec.Setting setting = spec.settings().get(s);
            QualityScore score = new QualityScore(classifier);
            double seconds = 0;
            int baseCalls = 0;
            int srCalls = 0;
            for (int i = 0; i < scenes.size(); i++) {
                Item scene = scenes.get(i);
                long started = System.nanoTime();
                TranslationResult result = translator.translate(paramsOf(job, setting, i), scene.input());
                long translated = System.nanoTime();
                float[] chw = result.images().get(0);
                writer.put(ObjectKeys.evaluationOutput(jobId, s, scene.name()), PngImages.encode(chw, 3, result.size(),
                        result.size()), "image/png");
                RgbImage output = RgbImage.fromChw(chw, result.size());
                score.add(output, scene.maskPng() == null ? null
                        : MaskLabels.of(RgbImage.decode(scene.maskPng()), result.size()), scene.reference());
                long scored = System.nanoTime();
                seconds += (translated - started) / 1e9;
                translateMs += (translated - started) / 1e6;
                scoreMs += (scored - translated) / 1e6;
                baseCalls = result.timings().baseSteps();
                srCalls = result.timings().upsamplerSteps();
                progress.imagesDone(++done, total);
            }
            // A single-pass model runs one unguided forward; PITI's sizes do not apply.
            boolean diffusion = !manifest.singlePass();
            boolean guided = diffusion && manifest.stages().base().guided()
                    && (setting.guidanceScale() == 0 ? manifest.guidance().scale() : setting.guidanceScale()) != 1.0;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("setting", setting);
            row.put("label", label(setting, manifest));
            row.put("miou", number(score.miou(), 4));
            row.put("fd", number(score.fd(), 2));
            row.put("evaluations_per_image", baseCalls + srCalls);
            row.put("base_calls", baseCalls);
            row.put("sr_calls", srCalls);
            row.put("guided", guided);
            row.put("released_gflop", diffusion ? baseCalls * RELEASED_BASE_GFLOP * (guided ? 2 : 1)
                    + srCalls * RELEASED_UPSAMPLER_GFLOP : null);
            row.put("seconds_per_image", round(seconds / scenes.size(), 3));
            Map<String, Object> perClass = new LinkedHashMap<>();
            score.perClass().forEach((name, iou) -> perClass.put(name, number(iou, 4)));
            row.put("per_class", perClass);
            row.put("outputs", ObjectKeys.resultsPrefix(jobId) + "evaluation/" + s + "/");
            rows.add(row);
            log.info("evaluation setting {}: mIoU {} fd {} over {} images", row.get("label"), row.get("miou"),
                    row.get("fd"), scenes.size());
        }
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("job_id", jobId);
        table.put("model", label);
        table.put("task", job.task());
        table.put("dataset", spec.dataset());
        table.put("images", scenes.size());
        table.put("seed", job.seed());
        table.put("scorer", "world classifier mIoU (per-class IoU summed over images) and patch FD (16 px patches)");
        table.put("rows", rows);
        String key = ObjectKeys.evaluation(jobId);
        writer.put(key, EventCodec.writeJson(table), "application/json");
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("translate", round(translateMs, 1));
        timings.put("score", round(scoreMs, 1));
        timings.put("total", round((System.nanoTime() - t0) / 1e6, 1));
        return new Outcome(key, table, timings);
    }

    /** The dataset's images: the bundled scenes, or those of the spec's S3 prefix read now. */
    private List<Item> items(EvaluationSpec spec, String task) {
        List<Item> items = new ArrayList<>();
        if (spec.s3Prefix() == null) {
            for (WorldHeldOutSet.Scene scene : WorldHeldOutSet.scenes().subList(0, spec.images())) {
                items.add(new Item(scene.name(), scene.input(task), scene.maskPng(), scene.reference()));
            }
            return items;
        }
        for (String name : spec.names().subList(0, spec.images())) {
            byte[] input = required(spec.key("inputs", name));
            byte[] reference = required(spec.key("references", name));
            byte[] mask = reader.get(spec.key("masks", name)).orElse(task.equals("mask") ? input : null);
            items.add(new Item(name, input, mask, PatchStatistics.of(RgbImage.decode(reference))));
        }
        return items;
    }

    private byte[] required(String key) {
        return reader.get(key).orElseThrow(() -> new IllegalArgumentException("dataset object " + key
                + " does not exist (any more)"));
    }

    /** The setting with the model's defaults filled in, e.g. {@code ddpm 15+10 cfg 1.3}. */
    static String label(EvaluationSpec.Setting setting, ModelManifest manifest) {
        if (manifest.singlePass()) {
            return "single pass";
        }
        String sampler = setting.sampler() != null ? setting.sampler() : manifest.sampler();
        String base = setting.baseSteps() != null ? setting.baseSteps() : manifest.stages().base().respacing();
        String sr = setting.srSteps() != null ? setting.srSteps() : manifest.stages().upsampler().respacing();
        String mode = setting.guidance() != null ? setting.guidance() : manifest.guidance().mode();
        double scale = setting.guidanceScale() != 0 ? setting.guidanceScale() : manifest.guidance().scale();
        return sampler + " " + base + "+" + sr + " " + mode + " " + java.math.BigDecimal.valueOf(scale).stripTrailingZeros().toPlainString();
    }

    /** A translation's parameters for image {@code index} at {@code setting}. */
    static TranslationParams paramsOf(TranslationParams job, EvaluationSpec.Setting setting, int index) {
        return new TranslationParams(job.task(), job.model(), 1, setting.guidanceScale(), setting.guidance(),
                setting.baseSteps(), setting.srSteps(), setting.sampler(), setting.eta(), job.seed() + index, false,
                null, job.metadata(), job.priority(), job.deadline());
    }

    /** {@code value} rounded, or null (JSON has no NaN) when undefined. */
    private static Double number(double value, int digits) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : round(value, digits);
    }

    private static double round(double value, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
