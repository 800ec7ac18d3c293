package io.pitiserve.common.webhook;

import java.util.List;
import java.util.Locale;

import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationCancelled;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;

/**
 * The job events a webhook can subscribe to ({@code webhook.events} of a submission) and the
 * {@code type} each has in the payload.
 */
public enum WebhookEvent {
    STARTED,
    PROGRESS,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    /** What a webhook gets when its submission names no events: the terminal ones. */
    public static final List<WebhookEvent> DEFAULTS = List.of(SUCCEEDED, FAILED, CANCELLED);

    /** The name in {@code webhook.events}, e.g. {@code succeeded}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The payload's {@code type}, e.g. {@code translation.succeeded}. */
    public String payloadType() {
        return "translation." + wireName();
    }

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /**
     * The event named {@code name} in {@code webhook.events}.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static WebhookEvent fromWireName(String name) {
        for (WebhookEvent event : values()) {
            if (event.wireName().equals(name)) {
                return event;
            }
        }
        throw new IllegalArgumentException("unknown webhook event '" + name + "'");
    }

    /** The webhook event of a job event, or null for events no webhook carries (requests, cancellation requests). */
    public static WebhookEvent of(JobEvent event) {
        if (event instanceof TranslationStarted) {
            return STARTED;
        } else if (event instanceof TranslationProgress) {
            return PROGRESS;
        } else if (event instanceof TranslationSucceeded) {
            return SUCCEEDED;
        } else if (event instanceof TranslationFailed) {
            return FAILED;
        } else if (event instanceof TranslationCancelled) {
            return CANCELLED;
        }
        return null;
    }
}
