package io.pitiserve.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import io.pitiserve.common.image.CocoStuffPalette;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code bench gateway}: multipart submissions of one colour-coded mask (256 x 256, exact
 * COCO-Stuff class colours, about {@code --input-kb} as a PNG) fired by {@code --concurrency}
 * senders over HTTP/1.1 keep-alive connections (one pooled {@code java.net.http} client); accepted submissions per second and their latency.
 * Each 202 means the input was validated, stored in S3 and the job published to Kafka. The
 * worker's consumers are stopped first, so the accepted jobs stay queued and the gateway has the
 * CPU to itself (apart from Kafka, S3 and the clients, all in this JVM).
 */
public final class GatewayBenchmark implements Benchmark {

    static final double ACCEPTED_PER_S_GOAL = 1000;
    static final double P99_GOAL_MS = 50;
    static final int MASK_SIZE = 256;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /**
     * @param requests    measured submissions
     * @param concurrency clients, each with its own connection, sending one request at a time
     * @param inputKb     size the mask PNG is grown to, in KiB
     * @param warmUp      unmeasured submissions first, so that the gateway's code runs JIT-compiled
     */
    public record Options(int requests, int concurrency, int inputKb, int warmUp) {
        /** 2000 measured no more than 500 on the dev VM (137 against 132-144 accepted/s). */
        public static final int DEFAULT_WARM_UP = 500;

        public Options {
            Benchmark.require(warmUp >= 0, "--warm-up must be at least 0, got " + warmUp);
            Benchmark.require(requests >= 1, "--requests must be at least 1, got " + requests);
            Benchmark.require(concurrency >= 1, "--concurrency must be at least 1, got " + concurrency);
            // 256 x 256 pixels of 182 colours hold at most about 60 KB of entropy.
            Benchmark.require(inputKb >= 1 && inputKb <= 48, "--input-kb must be in 1..48, got " + inputKb);
        }
    }

    /** Latency in milliseconds and HTTP status (0: no answer) of each request, by request number. */
    private record Round(double[] latencyMs, int[] status, double wallMs) {
    }

    private final Options options;

    public GatewayBenchmark(Options options) {
        this.options = options;
    }

    @Override
    public int run(LocalSettings settings, PrintStream out, PrintStream err) {
        byte[] mask = syntheticMask(options.inputKb() * 1024);
        String boundary = "pitiserve-bench-boundary";
        byte[] body = multipart(boundary, mask, "{\"task\":\"mask\"}");
        try (LocalStack stack = Benchmark.startStack(settings, err)) {
            // Accepted jobs stay queued: the measurement is of the gateway, not of the model.
            stack.workerContext().stop();
            HttpRequest request = HttpRequest.newBuilder(stack.apiUrl().resolve("/v1/translations"))
                    .timeout(REQUEST_TIMEOUT)
                    .header("Authorization", "Bearer " + stack.credentials().apiKey())
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            // One client, one selector thread: each sender keeps its own keep-alive connection from the
            // client's pool, without 32 selector threads competing with the gateway for the CPU.
            HttpClient shared = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            List<HttpClient> clients = java.util.Collections.nCopies(options.concurrency(), shared);
            err.printf("mask PNG of %d bytes; warming up with %d submissions ...%n", mask.length, options.warmUp());
            fire(clients, request, options.warmUp());
            err.printf("firing %d submissions from %d clients ...%n", options.requests(), options.concurrency());
            Round round = fire(clients, request, options.requests());
            report(round, mask.length, out);
            return 0;
        }
    }

    private static Round fire(List<HttpClient> clients, HttpRequest request, int requests) {
        double[] latency = new double[requests];
        int[] status = new int[requests];
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long begin = System.nanoTime();
        for (HttpClient client : clients) {
            Thread thread = new Thread(() -> {
                for (int k = next.getAndIncrement(); k < requests; k = next.getAndIncrement()) {
                    long sent = System.nanoTime();
                    try {
                        status[k] = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    } catch (IOException e) {
                        status[k] = 0;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    latency[k] = Benchmark.millisSince(sent);
                }
            }, "bench-client-" + threads.size());
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return new Round(latency, status, Benchmark.millisSince(begin));
    }

    private void report(Round round, int inputBytes, PrintStream out) {
        List<Double> accepted = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        Map<String, Integer> statuses = new TreeMap<>();
        for (int k = 0; k < round.status().length; k++) {
            int status = round.status()[k];
            statuses.merge(status == 0 ? "no_answer" : String.valueOf(status), 1, Integer::sum);
            all.add(round.latencyMs()[k]);
            if (status == 202) {
                accepted.add(round.latencyMs()[k]);
            }
        }
        Percentiles latency = Percentiles.of(accepted);
        int errors = round.status().length - accepted.size();
        double perSecond = accepted.size() * 1000.0 / round.wallMs();
        boolean goalMet = perSecond >= ACCEPTED_PER_S_GOAL && latency.p99() <= P99_GOAL_MS && errors == 0;

        out.printf("bench gateway: %d multipart submissions of a %d-byte %dx%d mask PNG, %d clients"
                        + " (HTTP/1.1 keep-alive), worker paused, %d CPU cores%n",
                round.status().length, inputBytes, MASK_SIZE, MASK_SIZE, options.concurrency(),
                Runtime.getRuntime().availableProcessors());
        out.printf("goal: >= %.0f accepted/s at p99 <= %.0f ms%n", ACCEPTED_PER_S_GOAL, P99_GOAL_MS);
        out.printf("%-48s %10s %10s %10s%n", "milliseconds per submission", "p50", "p99", "max");
        PipelineBenchmark.row(out, "accepted (POST sent -> 202 read)", latency);
        PipelineBenchmark.row(out, "every answer", Percentiles.of(all));
        out.printf("accepted: %d of %d in %.2f s = %.0f submissions/s; answers by status: %s%n", accepted.size(),
                round.status().length, round.wallMs() / 1000.0, perSecond, statuses);
        out.println("goal " + (goalMet ? "met" : "NOT met on this machine ("
                + Runtime.getRuntime().availableProcessors() + " cores shared by clients, gateway, Kafka and S3)"));

        ObjectNode json = JSON.createObjectNode()
                .put("bench", "gateway")
                .put("requests", round.status().length)
                .put("concurrency", options.concurrency())
                .put("input_bytes", inputBytes)
                .put("accepted", accepted.size())
                .put("errors", errors)
                .put("accepted_per_s", Math.round(perSecond * 10.0) / 10.0);
        latency.putMillis(json, "")
                .put("max_ms", Percentiles.tenth(latency.max()))
                .put("wall_s", Math.round(round.wallMs()) / 1000.0)
                .put("cpu_cores", Runtime.getRuntime().availableProcessors())
                .put("goal_met", goalMet);
        ObjectNode byStatus = json.putObject("statuses");
        statuses.forEach(byStatus::put);
        Benchmark.printJson(json, out);
    }

    /**
     * A 256 x 256 colour-coded mask of exact COCO-Stuff class colours, with ever smaller
     * rectangles of random classes added (fixed seed) until its PNG holds at least
     * {@code targetBytes}: large rectangles soon stop adding to the compressed size.
     */
    static byte[] syntheticMask(int targetBytes) {
        CocoStuffPalette palette = CocoStuffPalette.standard();
        BufferedImage image = new BufferedImage(MASK_SIZE, MASK_SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            Random random = new Random(42);
            g.setColor(new Color(palette.rgbOf(random.nextInt(CocoStuffPalette.CLASS_COUNT))));
            g.fillRect(0, 0, MASK_SIZE, MASK_SIZE);
            byte[] png = png(image);
            for (int round = 0; png.length < targetBytes; round++) {
                if (round == 4000) {
                    throw new IllegalStateException("cannot grow a mask PNG to " + targetBytes + " bytes");
                }
                int side = Math.max(1, 32 - round / 4);
                for (int i = 0; i < 16; i++) {
                    int w = 1 + random.nextInt(side);
                    int h = 1 + random.nextInt(side);
                    g.setColor(new Color(palette.rgbOf(random.nextInt(CocoStuffPalette.CLASS_COUNT))));
                    g.fillRect(random.nextInt(MASK_SIZE - w), random.nextInt(MASK_SIZE - h), w, h);
                }
                png = png(image);
            }
            return png;
        } finally {
            g.dispose();
        }
    }

    /** {@code image} as PNG bytes. */
    static byte[] png(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] multipart(String boundary, byte[] input, String params) {
        byte[] head = ("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"params\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + params + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"input\"; filename=\"mask.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream(head.length + input.length + tail.length);
        body.writeBytes(head);
        body.writeBytes(input);
        body.writeBytes(tail);
        return body.toByteArray();
    }
}
