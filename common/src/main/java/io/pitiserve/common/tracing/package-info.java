/** Tracing settings shared by the gateway and the worker. */
package io.pitiserve.common.tracing;
