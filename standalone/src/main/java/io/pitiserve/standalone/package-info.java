/**
 * The all-in-one piti-serve process ({@code pitiserve.jar serve | demo}): embedded Kafka and S3,
 * the gateway and a worker in one JVM, and a JDK-only client of the REST API.
 */
package io.pitiserve.standalone;
