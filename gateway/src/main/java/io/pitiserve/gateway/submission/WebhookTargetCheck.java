package io.pitiserve.gateway.submission;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.events.TranslationParams;

/**
 * Decides at submission whether a job's webhook can be delivered: URL, scheme, the addresses its
 * host resolves to, the tenant's signing secret and URLs disabled by a 410. A refusal becomes a 400
 * Problem Details with the refusal's code, so nothing is stored or queued for it.
 */
public interface WebhookTargetCheck {

    /** A reason to refuse: a stable code ({@code webhook_...}) and a message for the client. */
    record Refusal(ErrorCode code, String message) {
    }

    /** Null when the webhook is acceptable. */
    Refusal check(String tenant, TranslationParams.Webhook webhook);
}
