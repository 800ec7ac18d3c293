package io.pitiserve.client.webhook;

import java.time.Instant;

/** What {@link WebhookVerifier} decided about one request: verified, or rejected with a reason. */
public sealed interface WebhookVerification {

    boolean verified();

    /**
     * The request is authentic and fresh.
     *
     * @param webhookId the {@code webhook-id}: deduplicate on it, retries and redeliveries repeat it
     * @param signedAt  the {@code webhook-timestamp}
     * @param body      the body bytes, authentic
     */
    record Verified(String webhookId, Instant signedAt, byte[] body) implements WebhookVerification {
        @Override
        public boolean verified() {
            return true;
        }

        /**
         * The body as a piti-serve payload.
         *
         * @throws IllegalArgumentException when the authentic body is not one (another sender sharing the secret)
         */
        public WebhookPayload payload() {
            return WebhookPayload.fromJson(body);
        }
    }

    /** The request must be refused (answer 400 or 401); {@code message} says why, for the receiver's logs. */
    record Rejected(Reason reason, String message) implements WebhookVerification {
        @Override
        public boolean verified() {
            return false;
        }
    }

    /** Why a request was rejected. */
    enum Reason {
        MISSING_HEADER,
        MALFORMED_TIMESTAMP,
        TIMESTAMP_TOO_OLD,
        TIMESTAMP_IN_FUTURE,
        NO_MATCHING_SIGNATURE
    }
}
