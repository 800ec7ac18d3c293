package io.pitiserve.standalone;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.pitiserve.worker.models.BundledModels;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code demo}: a whole piti-serve on free ports, one job through the REST API exactly as a
 * client would send it, the results downloaded through their presigned URLs, then a clean stop.
 *
 * <p>stdout carries the result paths and the job's JSON; progress and logs go to stderr.
 */
final class DemoCommand {

    private final PrintStream out;
    private final PrintStream err;
    private final JsonMapper json = JsonMapper.builder().build();

    DemoCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        Set<String> options = new LinkedHashSet<>(StandaloneCommand.COMMON_OPTIONS);
        options.addAll(StandaloneCommand.DEMO_OPTIONS);
        CommandLine line = new CommandLine(args, options, Set.of());
        Path outDir = Path.of(line.string("out", "out"));
        String task = line.string("task", "mask");
        if (!task.equals("mask") && !task.equals("sketch")) {
            throw new CommandLine.UsageException("--task must be mask or sketch, was '" + task + "'");
        }
        // The bundled examples: a mask and a sketch of the demo models' landscape world.
        String fileName = task + ".png";
        byte[] input = line.has("input") ? read(Path.of(line.string("input", null))) : BundledModels.example(fileName);
        int timeoutSeconds = line.integer("timeout", 600);
        ObjectNode params = json.createObjectNode()
                .put("task", task)
                .put("num_samples", line.integer("num-samples", 1))
                .put("seed", line.integer("seed", 42));
        // Unless told otherwise, the model's own step counts: the demo model's defaults draw the
        // picture it was trained for (fewer steps lose its trees).
        if (line.has("base-steps")) {
            params.put("base_steps", line.string("base-steps", null));
        }
        if (line.has("sr-steps")) {
            params.put("sr_steps", line.string("sr-steps", null));
        }

        boolean temporary = !line.has("data-dir");
        Path dataDir = temporary ? createTempDir() : null;
        LocalSettings settings = StandaloneCommand.settings(line, temporary ? dataDir : Path.of("."), true);
        LocalStack[] started = new LocalStack[1];
        Thread cleanup = new Thread(() -> {
            // Ctrl-C during the demo: stop everything and leave no temporary data behind.
            LocalStack running = started[0];
            if (running != null) {
                running.close();
            }
            if (temporary) {
                try {
                    StandaloneCommand.deleteRecursively(dataDir);
                } catch (UncheckedIOException e) {
                    // best effort while the JVM goes down
                }
            }
        }, "pitiserve-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try (LocalStack stack = LocalStack.start(settings, System.getenv())) {
            started[0] = stack;
            err.printf("piti-serve is up in %.1f s at %s (data in %s)%n", total(stack) / 1000.0, stack.apiUrl(),
                    stack.settings().dataDir());
            JsonNode job = runJob(stack, input, fileName, params, outDir, Duration.ofSeconds(timeoutSeconds));
            out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(job));
            return 0;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down: the hook does the rest
            }
            if (temporary) {
                try {
                    StandaloneCommand.deleteRecursively(dataDir);
                } catch (UncheckedIOException e) {
                    err.println("note: could not remove " + dataDir + ": " + e.getMessage());
                }
            }
        }
    }

    private JsonNode runJob(LocalStack stack, byte[] input, String fileName, ObjectNode params, Path outDir,
                            Duration timeout) {
        TranslationClient client = new TranslationClient(stack.apiUrl(), stack.credentials().apiKey());
        JsonNode accepted = client.submit(input, fileName, "image/png", params);
        String id = accepted.path("id").asString();
        err.println("submitted " + id + " " + params);
        String[] lastLine = {""};
        JsonNode job = client.await(id, timeout, update -> {
            String status = update.path("status").asString("");
            JsonNode progress = update.path("progress");
            String text = progress.isMissingNode() || !status.equals("running") ? status
                    : status + " " + progress.path("stage").asString("") + " " + progress.path("step").asInt()
                            + "/" + progress.path("of").asInt();
            if (!text.equals(lastLine[0])) {
                err.println("  " + text);
                lastLine[0] = text;
            }
        });
        String status = job.path("status").asString("");
        if (!status.equals("succeeded")) {
            JsonNode error = job.path("error");
            throw new TranslationClient.ApiException("job " + id + " " + status
                    + (error.isMissingNode() ? "" : ": " + error.path("code").asString("") + " - "
                    + error.path("message").asString("")));
        }
        List<Path> files = new ArrayList<>();
        for (JsonNode result : job.path("results")) {
            String name = result.path("kind").asString("sample") + "-" + result.path("index").asInt() + ".png";
            files.add(client.download(URI.create(result.path("url").asString()), outDir.resolve(name)));
        }
        if (files.isEmpty()) {
            throw new TranslationClient.ApiException("job " + id + " succeeded without results");
        }
        for (Path file : files) {
            out.println(file.toAbsolutePath().normalize());
        }
        return job;
    }

    private static long total(LocalStack stack) {
        return stack.startMillis().values().stream().mapToLong(Long::longValue).sum();
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CommandLine.UsageException("cannot read --input " + file + ": " + e.getMessage());
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("pitiserve-demo-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary data directory", e);
        }
    }
}
