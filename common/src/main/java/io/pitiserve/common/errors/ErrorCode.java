package io.pitiserve.common.errors;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every stable {@code code} piti-serve answers with: the {@code code} member of a Problem Details
 * body and the {@code code} of a failed job's event. The wire string is {@link #wire()}, snake_case;
 * it never changes once published. Which HTTP status a code is answered with is the gateway's
 * business, not this enum's.
 */
public enum ErrorCode {

    // Parameters and the request itself.
    INVALID_PARAMETER,
    INVALID_REQUEST,
    MALFORMED_REQUEST,
    MALFORMED_MULTIPART,
    DUPLICATE_KEY,
    UNKNOWN_MODEL,
    UNKNOWN_DATASET,
    EMPTY_DATASET,
    INCOMPLETE_DATASET,
    EVALUATION_TOO_LARGE,
    JOB_TOO_COSTLY,

    // The input image (see io.pitiserve.common.image.InvalidInputException.Reason).
    UNSUPPORTED_FORMAT,
    EMPTY_INPUT,
    INPUT_TOO_LARGE,
    DIMENSIONS_TOO_LARGE,
    TRUNCATED_IMAGE,
    CORRUPT_IMAGE,
    UNSUPPORTED_IMAGE_TYPE,
    TRANSPARENT_PIXELS,
    UNKNOWN_PALETTE_COLOUR,
    UNKNOWN_LABEL,
    EMPTY_SKETCH,
    INVALID_DEPTH_LAYOUT,

    // Webhooks asked for on submission or redelivery.
    WEBHOOK_NOT_CONFIGURED,
    WEBHOOK_URL_INVALID,
    WEBHOOK_URL_HTTPS_REQUIRED,
    WEBHOOK_URL_FORBIDDEN,
    WEBHOOK_URL_UNRESOLVABLE,
    WEBHOOK_URL_DISABLED,
    NO_WEBHOOK,
    NOT_FINISHED,
    EVENT_NOT_SUBSCRIBED,

    // Who may ask, and what exists.
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    IDEMPOTENCY_CONFLICT,
    ALREADY_TERMINAL,

    // HTTP framing, answered by the edge or the servlet container.
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    REQUEST_TIMEOUT,
    BODY_TOO_SLOW,
    LENGTH_REQUIRED,
    REQUEST_TOO_LARGE,
    URI_TOO_LONG,
    UNSUPPORTED_MEDIA_TYPE,
    HEADERS_TOO_LARGE,
    NOT_IMPLEMENTED,
    HTTP_VERSION_NOT_SUPPORTED,

    // Load and capacity.
    RATE_LIMITED,
    TOO_MANY_JOBS_IN_FLIGHT,
    TOO_MANY_UPLOADS,
    UNAVAILABLE,

    // A job that ran and failed.
    DEADLINE_EXCEEDED,
    INTERNAL_ERROR;

    private static final Map<String, ErrorCode> BY_WIRE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(ErrorCode::wire, Function.identity()));

    /** The stable wire string, e.g. {@code too_many_jobs_in_flight}. */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The code a wire string names, if it is one of ours. */
    public static Optional<ErrorCode> fromWire(String wire) {
        return Optional.ofNullable(BY_WIRE.get(wire));
    }

    @Override
    public String toString() {
        return wire();
    }
}
