package io.pitiserve.client.example;

// The README's "Use from Java" quotes this file from here to the end; ReadmeExampleTest keeps the two
// the same, and the standalone module's LocalStackIT runs it against a real local piti-serve.
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.Translation;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.client.TranslationStatus;
import io.pitiserve.client.webhook.WebhookPayload;
import io.pitiserve.client.webhook.WebhookVerification;
import io.pitiserve.client.webhook.WebhookVerifier;

/** Translates a mask with piti-serve, downloads the images and checks the webhook that says so. */
public final class TranslateMask {

    /** The downloaded images, and the job's verified webhook (null if none came within a minute). */
    public record Outcome(List<Path> images, WebhookPayload webhook) {
    }

    private final PitiServeClient client;
    private final WebhookVerifier verifier;
    private final BlockingQueue<WebhookPayload> webhooks = new LinkedBlockingQueue<>();
    private final Set<String> handled = ConcurrentHashMap.newKeySet();

    public TranslateMask(URI gateway, String apiKey, String webhookSecret) {
        this.client = PitiServeClient.create(gateway, apiKey);
        this.verifier = new WebhookVerifier(webhookSecret);   // whsec_...; several during a rotation
    }

    /** Submits the mask, follows the job to its end and downloads its images into {@code outDir}. */
    public List<Path> translate(Path mask, URI webhook, Path outDir) {
        String key = UUID.randomUUID().toString();            // send the same key again when retrying
        String id = client.submit(TranslationRequest.builder("mask")
                .input(mask)                                   // a PNG in the COCO-Stuff palette
                .seed(42)
                .webhook(webhook)                              // succeeded, failed and cancelled
                .idempotencyKey(key)
                .build()).id();
        Translation job = client.follow(id, Duration.ofMinutes(5), event ->
                System.out.println(id + " " + event.name()
                        + (event.translation().progress() == null ? "" : " " + event.translation().progress())));
        if (job.status() != TranslationStatus.SUCCEEDED) {
            throw new IllegalStateException(id + " " + job.status().wireName() + ": " + job.error());
        }
        List<Path> images = new ArrayList<>();
        for (Translation.Result result : job.results()) {      // checked against the job's sha256
            images.add(client.download(result, outDir.resolve(id + "-" + result.index() + ".png")));
        }
        return images;
    }

    /** One webhook request: 204 when it is authentic, 401 when forged, altered or replayed. */
    public int onWebhook(Map<String, String> headers, byte[] body) {
        WebhookVerification result = verifier.verify(headers, body);   // the raw bytes, before parsing
        if (!(result instanceof WebhookVerification.Verified verified)) {
            return 401;
        }
        if (handled.add(verified.webhookId())) {                // retries repeat the webhook-id
            webhooks.add(verified.payload());
        }
        return 204;
    }

    /** A webhook receiver on loopback (local mode allows http there), one job, its images, its webhook. */
    public static Outcome run(URI gateway, String apiKey, String webhookSecret, Path mask, Path outDir)
            throws Exception {
        TranslateMask example = new TranslateMask(gateway, apiKey, webhookSecret);
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/piti", exchange -> {
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, values.get(0)));
            exchange.sendResponseHeaders(example.onWebhook(headers, exchange.getRequestBody().readAllBytes()), -1);
            exchange.close();
        });
        receiver.start();
        try {
            URI webhook = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/piti");
            List<Path> images = example.translate(mask, webhook, outDir);
            return new Outcome(images, example.webhooks.poll(1, TimeUnit.MINUTES));
        } finally {
            receiver.stop(0);
        }
    }

    /**
     * With {@code serve} running, from the repository's root: {@code serve}'s URL, and its API key and
     * webhook secret ({@code api-key} and {@code webhook-secret} of {@code <data-dir>/credentials.properties},
     * or the PITISERVE_API_KEY and PITISERVE_WEBHOOK_SECRET it was started with).
     */
    public static void main(String[] args) throws Exception {
        Outcome outcome = run(URI.create(args.length > 0 ? args[0] : "http://127.0.0.1:8080"),
                System.getenv("PITISERVE_API_KEY"), System.getenv("PITISERVE_WEBHOOK_SECRET"),
                Path.of("worker/src/main/resources/pitiserve/examples/mask.png"), Path.of("out"));
        outcome.images().forEach(System.out::println);
        System.out.println("webhook: " + (outcome.webhook() == null ? "none" : outcome.webhook().type()));
    }
}
