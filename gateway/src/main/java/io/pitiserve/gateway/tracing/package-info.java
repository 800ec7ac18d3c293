/** The gateway's spans and trace context beyond what Spring instruments itself. */
package io.pitiserve.gateway.tracing;
