package io.pitiserve.client;

import java.util.Map;
import java.util.Set;

/**
 * An RFC 9457 Problem Details body as the API answers it.
 *
 * @param type       a URI naming the problem type ({@code about:blank} for the plain HTTP meaning)
 * @param title      the HTTP status phrase
 * @param status     the HTTP status
 * @param detail     what went wrong, for developers
 * @param instance   the request path
 * @param code       the stable code of the problem, null when the answer carried none
 * @param properties the other members, e.g. {@code parameter} (the request member that is wrong)
 */
public record Problem(String type, String title, int status, String detail, String instance, String code,
                      Map<String, Object> properties) {

    /** The members that have a component of their own; every other member goes to {@code properties}. */
    static final Set<String> MEMBERS = Set.of("type", "title", "status", "detail", "instance", "code");

    public Problem {
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    /** The request member the problem is about ({@code parameter}), or null. */
    public String parameter() {
        Object parameter = properties.get("parameter");
        return parameter == null ? null : parameter.toString();
    }
}
