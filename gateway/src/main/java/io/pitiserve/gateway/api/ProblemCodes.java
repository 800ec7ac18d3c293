package io.pitiserve.gateway.api;

/**
 * The stable {@code code} of a Problem Details answer that no handler of the API chose itself: an
 * error of Spring MVC or of the servlet container, known only by its status.
 */
public final class ProblemCodes {

    private ProblemCodes() {
    }

    public static String forStatus(int status) {
        return switch (status) {
            case 400 -> "malformed_request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 408 -> "request_timeout";
            case 411 -> "length_required";
            case 413 -> "request_too_large";
            case 414 -> "uri_too_long";
            case 415 -> "unsupported_media_type";
            case 429 -> "rate_limited";
            case 431 -> "headers_too_large";
            case 501 -> "not_implemented";
            case 503 -> "unavailable";
            case 505 -> "http_version_not_supported";
            default -> status >= 500 ? "internal_error" : "invalid_request";
        };
    }

    /** The standard phrase of a status, for the {@code title} member. */
    public static String title(int status) {
        org.springframework.http.HttpStatus known = org.springframework.http.HttpStatus.resolve(status);
        return known != null ? known.getReasonPhrase() : status == 431 ? "Request Header Fields Too Large" : "Error";
    }
}
