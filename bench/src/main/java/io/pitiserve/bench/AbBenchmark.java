package io.pitiserve.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.pitiserve.client.Evaluation;
import io.pitiserve.client.EvaluationRequest;
import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.ProblemException;
import io.pitiserve.client.TranslationStatus;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code bench ab}: quality and cost of served models side by side. Starts the local stack and
 * submits one evaluation job per model (sequentially, so that their seconds per image are measured
 * on the same otherwise idle stack) over the bundled held-out world set through
 * {@code POST /v1/evaluations}, waits for each, and prints one row per model and setting: mIoU and
 * FD (the worker's scorer), network evaluations and PITI's released GFLOP per image, and wall
 * seconds per image as the worker measured them.
 */
public record AbBenchmark(Options options) implements Benchmark {

    /** How often an evaluation's progress is read while it runs. */
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

    /**
     * @param models   served model names, one evaluation each
     * @param settings per evaluation: "default" (the model's own) or {@code sampler:base:sr[:scale]}
     * @param limit    held-out images per setting (1..16)
     * @param timeout  how long one evaluation may take
     */
    public record Options(List<String> models, List<String> settings, int limit, Duration timeout) {

        public Options {
            Benchmark.require(!models.isEmpty(), "--models needs at least one model");
            Benchmark.require(!settings.isEmpty(), "--settings needs at least one setting");
            Benchmark.require(limit >= 1 && limit <= 16, "--limit must be in 1..16");
            settings.forEach(AbBenchmark::setting);
        }
    }

    /** One setting of the command line as the API's settings member. */
    static ObjectNode setting(String text) {
        ObjectNode setting = JSON.createObjectNode();
        if (text.equals("default")) {
            return setting;
        }
        String[] parts = text.split(":");
        Benchmark.require(parts.length == 3 || parts.length == 4, "setting '" + text
                + "': default, or sampler:base_steps:sr_steps[:guidance_scale]");
        setting.put("sampler", parts[0]).put("base_steps", parts[1]).put("sr_steps", parts[2]);
        if (parts.length == 4) {
            try {
                setting.put("guidance_scale", Double.parseDouble(parts[3]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("setting '" + text + "': the guidance scale is not a number");
            }
        }
        return setting;
    }

    @Override
    public int run(LocalSettings settings, PrintStream out, PrintStream err) {
        try (LocalStack stack = Benchmark.startStack(settings, err)) {
            PitiServeClient client = PitiServeClient.create(stack.apiUrl(), stack.credentials().apiKey());
            List<JsonNode> results = new ArrayList<>();
            for (String model : options.models()) {
                results.add(evaluate(client, model, err));
            }
            print(results, out);
            return 0;
        }
    }

    private JsonNode evaluate(PitiServeClient client, String model, PrintStream err) {
        EvaluationRequest.Builder request = EvaluationRequest.builder(model).dataset("bundled:world-heldout")
                .limit(options.limit()).seed(0);
        options.settings().forEach(s -> request.setting(JSON.convertValue(setting(s),
                new TypeReference<Map<String, Object>>() { })));
        int settingCount = options.settings().size();
        Evaluation accepted;
        try {
            accepted = client.submitEvaluation(request.build());
        } catch (ProblemException e) {
            throw new IllegalStateException("evaluation of " + model + " refused: " + e.getMessage(), e);
        }
        err.printf("evaluating %s (%s): %d images x %d settings%n", model, accepted.id(), options.limit(),
                settingCount);
        long begin = System.nanoTime();
        int[] shown = {-1};
        Evaluation done = client.awaitEvaluation(accepted.id(), options.timeout(), PROGRESS_EVERY, update -> {
            int images = update.progress() == null ? 0 : update.progress().imagesDone();
            if (images != shown[0]) {
                shown[0] = images;
                err.printf("  %s: %d of %d images%n", update.status().wireName(), images, update.progress() == null
                        ? options.limit() * settingCount : update.progress().imagesTotal());
            }
        });
        if (done.status() != TranslationStatus.SUCCEEDED) {
            throw new IllegalStateException("evaluation of " + model + " ended " + done.status().wireName() + ": "
                    + done.error());
        }
        err.printf("  done in %.1f s%n", Benchmark.millisSince(begin) / 1000);
        return JSON.valueToTree(done.result());
    }

    private void print(List<JsonNode> results, PrintStream out) {
        out.printf("bench ab: %d images per setting, one evaluation job per model%n", options.limit());
        out.printf("%-26s %-28s %7s %8s %6s %8s %7s%n", "model", "setting", "mIoU", "FD", "evals", "GFLOP", "s/img");
        ObjectNode summary = JSON.createObjectNode().put("images", options.limit());
        ArrayNode rows = summary.putArray("rows");
        for (JsonNode result : results) {
            for (JsonNode row : result.path("rows")) {
                JsonNode gflop = row.path("released_gflop");
                out.printf("%-26s %-28s %7s %8s %6d %8s %7.2f%n", result.path("model").asString(),
                        row.path("label").asString(), number(row.path("miou"), "%.4f"), number(row.path("fd"), "%.2f"),
                        row.path("evaluations_per_image").asInt(), number(gflop, "%.0f"),
                        row.path("seconds_per_image").asDouble());
                ObjectNode line = rows.addObject().put("model", result.path("model").asString())
                        .put("setting", row.path("label").asString());
                line.set("miou", row.path("miou"));
                line.set("fd", row.path("fd"));
                line.put("evaluations", row.path("evaluations_per_image").asInt());
                line.set("released_gflop", gflop.isMissingNode() ? JSON.nullNode() : gflop);
                line.put("sec_per_image", row.path("seconds_per_image").asDouble());
            }
        }
        Benchmark.printJson(summary, out);
    }

    /** A table cell: the number in {@code format}, or "-" when the table has none. */
    private static String number(JsonNode value, String format) {
        return value.isNumber() ? String.format(format, value.doubleValue()) : "-";
    }
}
