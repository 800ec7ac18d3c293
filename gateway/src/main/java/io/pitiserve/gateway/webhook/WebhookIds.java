package io.pitiserve.gateway.webhook;

import java.util.HexFormat;

import io.pitiserve.common.digest.Sha256;
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
        return "msg_" + HexFormat.of().formatHex(Sha256.of(fact), 0, 16);
    }
}
