package io.pitiserve.gateway.webhook;

import java.util.ArrayList;
import java.util.List;

/** The latest delivery attempts of one job's webhooks, oldest first, at most {@code limit} of them. */
public record WebhookLog(String jobId, List<DeliveryAttempt> attempts) {

    public WebhookLog {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    public WebhookLog append(DeliveryAttempt attempt, int limit) {
        List<DeliveryAttempt> more = new ArrayList<>(attempts);
        more.add(attempt);
        while (more.size() > limit) {
            more.remove(0);
        }
        return new WebhookLog(jobId, more);
    }

    /** Whether a notification with this id already reached its receiver. */
    public boolean delivered(String webhookId) {
        return attempts.stream().anyMatch(a -> a.webhookId().equals(webhookId) && "delivered".equals(a.outcome()));
    }
}
