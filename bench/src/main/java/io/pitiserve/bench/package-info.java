/**
 * {@code pitiserve-bench.jar <bench>}: every piti-serve benchmark; most measure a whole local piti-serve through
 * its REST API, each printed as a table and, on the last line, one JSON object.
 */
package io.pitiserve.bench;
