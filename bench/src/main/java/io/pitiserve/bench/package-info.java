/**
 * {@code pitiserve.jar bench pipeline | gateway}: measurements of a whole local piti-serve through
 * its REST API, each printed as a table and, on the last line, one JSON object.
 */
package io.pitiserve.bench;
