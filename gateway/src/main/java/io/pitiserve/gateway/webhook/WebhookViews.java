package io.pitiserve.gateway.webhook;

import java.util.Optional;

import io.pitiserve.gateway.status.StatusView;
import io.pitiserve.gateway.status.StatusViewUnavailableException;

import org.springframework.stereotype.Component;

/** Reads the webhook state kept by {@link WebhookViewTopology}: delivery logs and disabled URLs. */
@Component
public class WebhookViews {

    private final StatusView statusView;

    public WebhookViews(StatusView statusView) {
        this.statusView = statusView;
    }

    /** The job's delivery log; empty when nothing was attempted yet. */
    public Optional<WebhookLog> log(String jobId) {
        return Optional.ofNullable(statusView.<WebhookLog>lookup(WebhookViewTopology.LOGS, jobId));
    }

    /** The 410 that disabled {@code url} for {@code tenant}, if one did. */
    public Optional<DisabledUrl> disabled(String tenant, String url) {
        return Optional.ofNullable(statusView.<DisabledUrl>lookup(WebhookViewTopology.DISABLED,
                DisabledUrl.key(tenant, url)));
    }

    /** As {@link #log}, but empty while the view is unavailable (the dispatcher then just sends). */
    Optional<WebhookLog> logQuietly(String jobId) {
        try {
            return log(jobId);
        } catch (StatusViewUnavailableException e) {
            return Optional.empty();
        }
    }
}
