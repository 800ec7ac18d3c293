/**
 * Webhook plumbing of the service: the events a webhook can subscribe to and the names of the Kafka
 * topics that carry deliveries. The signature contract itself (secrets, signer, verifier, payload)
 * is {@code io.pitiserve.client.webhook}, shared with the receivers that verify.
 */
package io.pitiserve.common.webhook;
