package io.pitiserve.bench;

import java.io.PrintStream;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One measurement of a local piti-serve: starts the stack with the given settings, prints a table
 * to {@code out} and, as the last line, one JSON object with the figures; progress goes to
 * {@code err}. Returns the exit code (0: measured, whether or not the goals were met).
 */
public sealed interface Benchmark permits EdgeBenchmark, PipelineBenchmark, GatewayBenchmark, ScaleOutBenchmark,
        WebhookBenchmark, FleetBenchmark, AbBenchmark {

    JsonMapper JSON = JsonMapper.builder().build();

    int run(LocalSettings settings, PrintStream out, PrintStream err);

    /** Starts the stack as {@code demo} does and says so on {@code err}. */
    static LocalStack startStack(LocalSettings settings, PrintStream err) {
        err.println("starting piti-serve (Kafka, S3, gateway, worker) in " + settings.dataDir() + " ...");
        long begin = System.nanoTime();
        LocalStack stack = LocalStack.start(settings, System.getenv());
        err.printf("piti-serve is up in %.1f s at %s%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin) / 1000.0, stack.apiUrl());
        return stack;
    }

    /** The JSON line: compact, last on stdout. */
    static void printJson(ObjectNode result, PrintStream out) {
        out.println(JSON.writeValueAsString(result));
        out.flush();
    }

    /** What a client thread of a bench returned; its failure, as thrown, fails the bench. */
    static <T> T outcome(Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause
                    : new IllegalStateException("a job failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
