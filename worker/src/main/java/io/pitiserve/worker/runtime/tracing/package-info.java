/** The worker's spans and the trace context on the records it writes. */
package io.pitiserve.worker.runtime.tracing;
