package io.pitiserve.worker.runtime.job;

/** A permanent failure of a job with the stable wire {@code code} of its TranslationFailed event. */
public class JobFailure extends RuntimeException {

    public static final String INVALID_PARAMETER = "invalid_parameter";
    public static final String UNKNOWN_MODEL = "unknown_model";
    public static final String NOT_FOUND = "not_found";
    public static final String INTERNAL_ERROR = "internal_error";
    /** The request's deadline passed before the job finished (checked before it starts and at every step). */
    public static final String DEADLINE_EXCEEDED = "deadline_exceeded";

    private final String code;

    public JobFailure(String code, String message) {
        super(message);
        this.code = code;
    }

    public JobFailure(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
