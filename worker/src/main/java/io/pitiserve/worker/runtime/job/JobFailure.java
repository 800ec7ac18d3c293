package io.pitiserve.worker.runtime.job;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;

/** A permanent failure of a job; its {@link #code()} is the code of the job's TranslationFailed event. */
public class JobFailure extends ServiceException {

    private static final long serialVersionUID = 1L;

    public static final ErrorCode INVALID_PARAMETER = ErrorCode.INVALID_PARAMETER;
    public static final ErrorCode UNKNOWN_MODEL = ErrorCode.UNKNOWN_MODEL;
    public static final ErrorCode NOT_FOUND = ErrorCode.NOT_FOUND;
    public static final ErrorCode INTERNAL_ERROR = ErrorCode.INTERNAL_ERROR;
    /** The request's deadline passed before the job finished (checked before it starts and at every step). */
    public static final ErrorCode DEADLINE_EXCEEDED = ErrorCode.DEADLINE_EXCEEDED;

    public JobFailure(ErrorCode code, String message) {
        super(code, message);
    }

    public JobFailure(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
