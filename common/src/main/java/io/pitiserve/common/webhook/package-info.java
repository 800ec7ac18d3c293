/**
 * Webhooks in the Standard Webhooks format: signing secrets ({@code whsec_...}), the signer the
 * gateway's dispatcher uses, the verifier product backends use to check what they receive, the
 * JSON payload both sides agree on and the names of the Kafka topics that carry deliveries.
 * Nothing here depends on an HTTP library: headers are passed as a lookup function.
 */
package io.pitiserve.common.webhook;
