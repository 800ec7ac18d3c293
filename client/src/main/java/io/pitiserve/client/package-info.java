/**
 * The Java client of the piti-serve HTTP API v1: {@link io.pitiserve.client.PitiServeClient} and
 * the records it answers with. It needs the JDK's {@code java.net.http.HttpClient} and Jackson 3,
 * nothing else; answers ignore members this version does not know, so a newer gateway does not
 * break an older client.
 */
package io.pitiserve.client;
