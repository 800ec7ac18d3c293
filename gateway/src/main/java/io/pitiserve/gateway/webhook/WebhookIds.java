package io.pitiserve.gateway.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.webhook.WebhookEvent;

/**
 * {@code webhook-id}s derived from the fact they announce, so that every attempt, every
 * redelivery and a worker's re-emission of the same fact carry the same id: one per job for a
 * terminal event, one per worker attempt for {@code started}, one per (stage, step) for
 * {@code progress}. Receivers deduplicate on it.
 */
final class WebhookIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookIds() {
    }

    static String of(JobEvent event) {
        WebhookEvent kind = WebhookEvent.of(event);
        String fact = event.jobId() + "|" + kind.wireName();
        if (event instanceof TranslationStarted started) {
            fact += "|" + started.attempt();
        } else if (event instanceof TranslationProgress progress) {
            fact += "|" + progress.stage() + "|" + progress.step();
        }
        return "msg_" + HexFormat.of().formatHex(sha256(fact), 0, 16);
    }

    /** A fresh W3C traceparent for a webhook whose job event carried none. */
    static String newTraceparent() {
        byte[] trace = new byte[16];
        byte[] span = new byte[8];
        RANDOM.nextBytes(trace);
        RANDOM.nextBytes(span);
        return "00-" + HexFormat.of().formatHex(trace) + "-" + HexFormat.of().formatHex(span) + "-01";
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
