package io.pitiserve.standalone;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.pitiserve.client.Accepted;
import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.PitiServeException;
import io.pitiserve.client.Translation;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.client.TranslationStatus;
import io.pitiserve.common.cli.CommandLine;
import io.pitiserve.worker.models.BundledModels;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code demo}: a whole piti-serve on free ports, one job through the REST API with the Java
 * client ({@code pitiserve-client}) and followed over Server-Sent Events, the results downloaded
 * through their presigned URLs, then a clean stop.
 *
 * <p>stdout carries the result paths and the job's JSON; progress and logs go to stderr.
 */
final class DemoCommand {

    private final PrintStream out;
    private final PrintStream err;
    // The job as the API shows it: absent members left out.
    private final JsonMapper json = JsonMapper.builder()
            .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_EMPTY))
            .build();

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
        TranslationRequest.Builder request = TranslationRequest.builder(task)
                .numSamples(line.integer("num-samples", 1))
                .seed(line.integer("seed", 42));
        // Unless told otherwise, the model's own step counts: the demo model's defaults draw the
        // picture it was trained for (fewer steps lose its trees).
        if (line.has("base-steps")) {
            request.baseSteps(line.string("base-steps", null));
        }
        if (line.has("sr-steps")) {
            request.srSteps(line.string("sr-steps", null));
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
            Translation job = runJob(stack, input, fileName, request, outDir, Duration.ofSeconds(timeoutSeconds));
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

    private Translation runJob(LocalStack stack, byte[] input, String fileName, TranslationRequest.Builder request,
                               Path outDir, Duration timeout) {
        PitiServeClient client = PitiServeClient.create(stack.apiUrl(), stack.credentials().apiKey());
        TranslationRequest submission = request.input(input, "image/png").fileName(fileName).build();
        Accepted accepted = client.submit(submission);
        String id = accepted.id();
        err.println("submitted " + id + " " + json.writeValueAsString(submission.params()));
        String[] lastLine = {""};
        Translation job = client.follow(id, timeout, event -> {
            Translation update = event.translation();
            Translation.Progress progress = update.progress();
            String text = progress == null || update.status() != TranslationStatus.RUNNING
                    ? update.status().wireName()
                    : "running " + progress.stage() + " " + progress.step() + "/" + progress.of();
            if (!text.equals(lastLine[0])) {
                err.println("  " + text);
                lastLine[0] = text;
            }
        });
        if (job.status() != TranslationStatus.SUCCEEDED) {
            throw new PitiServeException("job " + id + " " + job.status().wireName()
                    + (job.error() == null ? "" : ": " + job.error().code() + " - " + job.error().message()));
        }
        List<Path> files = new ArrayList<>();
        for (Translation.Result result : job.results()) {
            files.add(client.download(result, outDir.resolve(result.kind() + "-" + result.index() + ".png")));
        }
        if (files.isEmpty()) {
            throw new PitiServeException("job " + id + " succeeded without results");
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
