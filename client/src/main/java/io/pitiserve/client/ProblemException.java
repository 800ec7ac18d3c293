package io.pitiserve.client;

import java.time.Duration;

/**
 * The API refused a request and said why in an RFC 9457 Problem Details body. Branch on
 * {@link #code()}, the stable name of the problem (e.g. {@code invalid_parameter}, {@code not_found},
 * {@code rate_limited}, {@code too_many_jobs_in_flight}, {@code already_terminal}); the detail is
 * written for developers and may change.
 */
public class ProblemException extends PitiServeException {

    private static final long serialVersionUID = 1L;

    private final transient Problem problem;
    private final Duration retryAfter;

    public ProblemException(Problem problem, Duration retryAfter) {
        super("HTTP " + problem.status() + (problem.code() == null ? "" : " " + problem.code())
                + (problem.detail() == null ? "" : ": " + problem.detail()));
        this.problem = problem;
        this.retryAfter = retryAfter;
    }

    /** The whole Problem Details body. */
    public Problem problem() {
        return problem;
    }

    /** The HTTP status. */
    public int status() {
        return problem.status();
    }

    /** The stable code of the problem, or null when the answer carried none. */
    public String code() {
        return problem.code();
    }

    /** What went wrong, for developers. */
    public String detail() {
        return problem.detail();
    }

    /** How long to wait before trying again ({@code Retry-After}), or null when the answer named none. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
