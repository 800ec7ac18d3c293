package io.pitiserve.gateway.api;

import java.time.Duration;
import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * A request the gateway answers with an error: the HTTP status, the stable {@code code} of the
 * Problem Details body and a message a developer can act on. Messages are written for clients;
 * internal exception messages never end up here.
 */
public final class ApiProblem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final HttpStatus status;
    private final String code;
    private final Duration retryAfter;
    private final transient Map<String, Object> properties;

    public ApiProblem(HttpStatus status, String code, String detail, Duration retryAfter, Map<String, Object> properties) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
        this.properties = Map.copyOf(properties);
    }

    public static ApiProblem badRequest(String code, String detail) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, code, detail, null, Map.of());
    }

    public static ApiProblem invalidParameter(String parameter, String detail) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, "invalid_parameter", detail, null, Map.of("parameter", parameter));
    }

    public static ApiProblem unauthorized(String detail) {
        return new ApiProblem(HttpStatus.UNAUTHORIZED, "unauthorized", detail, null, Map.of());
    }

    public static ApiProblem notFound(String jobId) {
        return new ApiProblem(HttpStatus.NOT_FOUND, "not_found", "no translation '" + jobId + "' exists for this API key",
                null, Map.of());
    }

    /** A 404 {@code not_found} about something other than a job, e.g. an {@code s3://} input. */
    public static ApiProblem notFound(String parameter, String detail) {
        return new ApiProblem(HttpStatus.NOT_FOUND, "not_found", detail, null, Map.of("parameter", parameter));
    }

    public static ApiProblem conflict(String code, String detail) {
        return new ApiProblem(HttpStatus.CONFLICT, code, detail, null, Map.of());
    }

    public static ApiProblem unavailable(String detail, Duration retryAfter) {
        return unavailable("unavailable", detail, retryAfter);
    }

    public static ApiProblem unavailable(String code, String detail, Duration retryAfter) {
        return new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, code, detail, retryAfter, Map.of());
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String detail() {
        return getMessage();
    }

    /** How long the client should wait before retrying, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Extra Problem Details members, e.g. {@code parameter}. */
    public Map<String, Object> properties() {
        return properties;
    }
}
