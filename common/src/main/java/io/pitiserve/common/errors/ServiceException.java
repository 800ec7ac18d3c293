package io.pitiserve.common.errors;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The root of piti-serve's own failures: a stable {@link ErrorCode}, a message written for the
 * client (it names what is wrong and the limit or the accepted alternatives), extra Problem
 * Details members such as {@code parameter}, and whether trying the same thing again can help.
 * Services throw it; only the gateway's HTTP edge turns a code into a status.
 */
public class ServiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final boolean retryable;
    private final Duration retryAfter;
    private final transient Map<String, Object> members;

    public ServiceException(ErrorCode code, String message) {
        this(code, message, Map.of(), null, false, null);
    }

    public ServiceException(ErrorCode code, String message, Throwable cause) {
        this(code, message, Map.of(), null, false, cause);
    }

    public ServiceException(ErrorCode code, String message, Map<String, Object> members) {
        this(code, message, members, null, false, null);
    }

    /**
     * @param retryAfter how long to wait before trying again, or null; non-null makes the failure retryable
     * @param members    extra Problem Details members
     */
    public ServiceException(ErrorCode code, String message, Duration retryAfter, Map<String, Object> members) {
        this(code, message, members, retryAfter, retryAfter != null, null);
    }

    protected ServiceException(ErrorCode code, String message, Map<String, Object> members, Duration retryAfter,
            boolean retryable, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.members = Map.copyOf(members);
        this.retryAfter = retryAfter;
        this.retryable = retryable;
    }

    /** A parameter of the request is out of its range or malformed; {@code parameter} names it. */
    public static ServiceException invalidParameter(String parameter, String message) {
        return new ServiceException(ErrorCode.INVALID_PARAMETER, message, Map.of("parameter", parameter));
    }

    /** No job with this id exists for the caller's API key. */
    public static ServiceException jobNotFound(String jobId) {
        return new ServiceException(ErrorCode.NOT_FOUND, "no translation '" + jobId + "' exists for this API key");
    }

    /** Something a request parameter names (an {@code s3://} input) does not exist. */
    public static ServiceException notFound(String parameter, String message) {
        return new ServiceException(ErrorCode.NOT_FOUND, message, Map.of("parameter", parameter));
    }

    /** A dependency (object store, broker, index) cannot serve the request now; retry after the given time. */
    public static ServiceException unavailable(String message, Duration retryAfter) {
        return unavailable(ErrorCode.UNAVAILABLE, message, retryAfter);
    }

    public static ServiceException unavailable(ErrorCode code, String message, Duration retryAfter) {
        return new ServiceException(code, message, Objects.requireNonNull(retryAfter, "retryAfter"), Map.of());
    }

    public ErrorCode code() {
        return code;
    }

    /** Whether trying the same thing again can succeed. */
    public boolean retryable() {
        return retryable;
    }

    /** How long a client should wait before retrying, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Extra Problem Details members, e.g. {@code parameter}, {@code cost}, {@code limit}. */
    public Map<String, Object> members() {
        return members;
    }
}
