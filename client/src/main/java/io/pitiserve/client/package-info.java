/**
 * The Java client of the piti-serve HTTP API v1: {@link io.pitiserve.client.PitiServeClient} and
 * the records it answers with. It needs the JDK's {@code java.net.http.HttpClient} and Jackson 3,
 * nothing else. A member a newer gateway adds never breaks an older client: records skip it, and a
 * {@link io.pitiserve.client.Translation} or {@link io.pitiserve.client.Evaluation} keeps it in
 * {@code other()}.
 */
package io.pitiserve.client;
