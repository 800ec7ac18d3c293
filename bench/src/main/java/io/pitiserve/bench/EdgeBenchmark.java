package io.pitiserve.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code bench edge}: how fast a valid client is answered while hostile connections hold the
 * gateway. A probe is a new connection sending {@code GET /v1/models} with the API key; it is timed
 * from connect to the end of the answer. First {@code --probes} probes on an idle gateway, then
 * {@code --hostile} connections are opened and held (a third send a multipart upload with the
 * valid key and stop after its first bytes, a third the same with a wrong key, a third headers
 * that never end), and the same probes are timed again while they stay open.
 */
public final class EdgeBenchmark implements Benchmark {

    static final double P99_GOAL_MS = 1000;
    private static final int TIMEOUT_MS = 30_000;

    /**
     * @param hostile connections held open during the second round
     * @param probes  timed probes per round, one after another
     */
    public record Options(int hostile, int probes) {
        public Options {
            Benchmark.require(hostile >= 0 && hostile <= 5000, "--hostile must be in 0..5000, got " + hostile);
            Benchmark.require(probes >= 1, "--probes must be at least 1, got " + probes);
        }
    }

    private final Options options;

    public EdgeBenchmark(Options options) {
        this.options = options;
    }

    @Override
    public int run(LocalSettings settings, PrintStream out, PrintStream err) {
        try (LocalStack stack = Benchmark.startStack(settings, err)) {
            URI api = stack.apiUrl();
            String key = stack.credentials().apiKey();
            probe(api, key);
            List<Double> idle = new ArrayList<>();
            Map<Integer, Integer> idleStatus = new TreeMap<>();
            round(api, key, idle, idleStatus);
            err.printf("opening %d hostile connections ...%n", options.hostile());
            List<Socket> hostile = new ArrayList<>();
            List<Double> underLoad = new ArrayList<>();
            Map<Integer, Integer> loadStatus = new TreeMap<>();
            try {
                for (int i = 0; i < options.hostile(); i++) {
                    hostile.add(hostile(api, key, i % 3));
                }
                round(api, key, underLoad, loadStatus);
            } finally {
                hostile.forEach(EdgeBenchmark::closeQuietly);
            }
            report(idle, idleStatus, underLoad, loadStatus, out);
            return 0;
        }
    }

    private void round(URI api, String key, List<Double> latencies, Map<Integer, Integer> statuses) {
        for (int i = 0; i < options.probes(); i++) {
            long start = System.nanoTime();
            int status = probe(api, key);
            latencies.add(Benchmark.millisSince(start));
            statuses.merge(status, 1, Integer::sum);
        }
    }

    /** One GET /v1/models on a new connection; its status, 0 when none came. */
    private static int probe(URI api, String key) {
        try (Socket socket = connect(api)) {
            socket.getOutputStream().write(("GET /v1/models HTTP/1.1\r\nHost: " + api.getHost() + "\r\nAuthorization:"
                    + " Bearer " + key + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            in.transferTo(answer);
            String text = answer.toString(StandardCharsets.ISO_8859_1);
            return text.startsWith("HTTP/1.1 ") ? Integer.parseInt(text.substring(9, 12)) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static Socket hostile(URI api, String key, int kind) {
        try {
            Socket socket = connect(api);
            String head = switch (kind) {
                case 0 -> "POST /v1/translations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n--b\r\n";
                case 1 -> "POST /v1/translations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n"
                        + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n--b\r\n";
                default -> "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Slow: ";
            };
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            return socket;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not open a hostile connection", e);
        }
    }

    private static Socket connect(URI api) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(api.getHost(), api.getPort()), TIMEOUT_MS);
        socket.setSoTimeout(TIMEOUT_MS);
        return socket;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private void report(List<Double> idle, Map<Integer, Integer> idleStatus, List<Double> underLoad,
                        Map<Integer, Integer> loadStatus, PrintStream out) {
        Percentiles quiet = Percentiles.of(idle);
        Percentiles loaded = Percentiles.of(underLoad);
        out.printf("bench edge: %d probes (GET /v1/models, a new connection each) idle, then with %d hostile"
                + " connections held open%n", options.probes(), options.hostile());
        out.printf("goal: p99 <= %.0f ms with the hostile connections open%n", P99_GOAL_MS);
        out.printf("%-48s %10s %10s %10s%n", "milliseconds per probe", "p50", "p99", "max");
        PipelineBenchmark.row(out, "idle gateway", quiet);
        PipelineBenchmark.row(out, options.hostile() + " hostile connections open", loaded);
        out.printf("statuses idle: %s; under load: %s%n", idleStatus, loadStatus);
        ObjectNode json = JSON.createObjectNode()
                .put("bench", "edge")
                .put("hostile_connections", options.hostile())
                .put("probes", options.probes());
        quiet.putMillis(json, "idle_");
        loaded.putMillis(json, "loaded_")
                .put("loaded_max_ms", Percentiles.tenth(loaded.max()))
                .put("loaded_ok", loadStatus.getOrDefault(200, 0))
                .put("goal_met", loaded.p99() <= P99_GOAL_MS && loadStatus.getOrDefault(200, 0) == options.probes());
        Benchmark.printJson(json, out);
    }
}
