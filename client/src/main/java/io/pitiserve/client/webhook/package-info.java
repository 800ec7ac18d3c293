/**
 * Webhooks in the Standard Webhooks format, as piti-serve sends them: signing secrets
 * ({@code whsec_...}), the signer the gateway's dispatcher uses, the verifier receivers use to
 * check what they get, and the JSON payload both sides agree on. The gateway signs with this very
 * code. Nothing here depends on an HTTP library: headers are passed as a lookup function or a map.
 */
package io.pitiserve.client.webhook;
