package io.pitiserve.common.webhook;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Kafka topics of webhook delivery; every name shares the prefix of the other piti-serve topics.
 *
 * @param retryPrefix  retry tiers are {@code <retryPrefix><seconds>s}: a record waits on the tier
 *                     of the largest delay not above its own and carries its due time
 * @param deliveries   one record per delivery attempt (key = job id): the delivery log
 * @param deadLetter   deliveries whose retries are exhausted (key = job id)
 * @param disabledUrls compacted, key = tenant + URL: URLs whose receiver answered 410 Gone
 */
public record WebhookTopics(String retryPrefix, String deliveries, String deadLetter, String disabledUrls) {

    public static WebhookTopics withPrefix(String prefix) {
        return new WebhookTopics(prefix + "webhooks.retry-", prefix + "webhooks.deliveries",
                prefix + "webhooks.dead-letter", prefix + "webhooks.disabled-urls");
    }

    public static WebhookTopics defaults() {
        return withPrefix("pitiserve.");
    }

    /** The retry tier topic of a delay, e.g. {@code pitiserve.webhooks.retry-300s}. */
    public String retryTier(Duration delay) {
        return retryPrefix + delay.toSeconds() + "s";
    }

    /** Matches every retry tier topic, including tiers of an earlier configuration. */
    public Pattern retryTierPattern() {
        return Pattern.compile(Pattern.quote(retryPrefix) + "[0-9]+s");
    }
}
