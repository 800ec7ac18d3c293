package io.pitiserve.gateway.api;

import io.pitiserve.common.errors.ErrorCode;

import org.springframework.http.HttpStatus;

/** The HTTP status each {@link ErrorCode} is answered with; the one place a code meets HTTP. */
public final class ProblemStatus {

    private ProblemStatus() {
    }

    public static HttpStatus of(ErrorCode code) {
        return switch (code) {
            case INVALID_PARAMETER, INVALID_REQUEST, MALFORMED_REQUEST, MALFORMED_MULTIPART, DUPLICATE_KEY,
                    UNKNOWN_MODEL, UNKNOWN_DATASET, EMPTY_DATASET, INCOMPLETE_DATASET, EVALUATION_TOO_LARGE,
                    JOB_TOO_COSTLY,
                    UNSUPPORTED_FORMAT, EMPTY_INPUT, DIMENSIONS_TOO_LARGE, TRUNCATED_IMAGE, CORRUPT_IMAGE,
                    UNSUPPORTED_IMAGE_TYPE, TRANSPARENT_PIXELS, UNKNOWN_PALETTE_COLOUR, UNKNOWN_LABEL, EMPTY_SKETCH,
                    INVALID_DEPTH_LAYOUT,
                    WEBHOOK_NOT_CONFIGURED, WEBHOOK_URL_INVALID, WEBHOOK_URL_HTTPS_REQUIRED, WEBHOOK_URL_FORBIDDEN,
                    WEBHOOK_URL_UNRESOLVABLE, WEBHOOK_URL_DISABLED -> HttpStatus.BAD_REQUEST;
            case UNAUTHORIZED -> HttpStatus.UNAUTHORIZED;
            case FORBIDDEN -> HttpStatus.FORBIDDEN;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case METHOD_NOT_ALLOWED -> HttpStatus.METHOD_NOT_ALLOWED;
            case NOT_ACCEPTABLE -> HttpStatus.NOT_ACCEPTABLE;
            case REQUEST_TIMEOUT, BODY_TOO_SLOW -> HttpStatus.REQUEST_TIMEOUT;
            case IDEMPOTENCY_CONFLICT, ALREADY_TERMINAL, NO_WEBHOOK, NOT_FINISHED, EVENT_NOT_SUBSCRIBED ->
                    HttpStatus.CONFLICT;
            case LENGTH_REQUIRED -> HttpStatus.LENGTH_REQUIRED;
            case INPUT_TOO_LARGE, REQUEST_TOO_LARGE -> HttpStatus.CONTENT_TOO_LARGE;
            case URI_TOO_LONG -> HttpStatus.URI_TOO_LONG;
            case UNSUPPORTED_MEDIA_TYPE -> HttpStatus.UNSUPPORTED_MEDIA_TYPE;
            case RATE_LIMITED, TOO_MANY_JOBS_IN_FLIGHT -> HttpStatus.TOO_MANY_REQUESTS;
            case HEADERS_TOO_LARGE -> HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            case NOT_IMPLEMENTED -> HttpStatus.NOT_IMPLEMENTED;
            case UNAVAILABLE, TOO_MANY_UPLOADS -> HttpStatus.SERVICE_UNAVAILABLE;
            case HTTP_VERSION_NOT_SUPPORTED -> HttpStatus.HTTP_VERSION_NOT_SUPPORTED;
            // A job's own failure codes reach clients in its status, never as the status of a request.
            case DEADLINE_EXCEEDED, INTERNAL_ERROR -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }
}
