package io.pitiserve.worker.runtime.job;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;

/** A permanent failure of a job; its {@link #code()} is the code of the job's TranslationFailed event. */
public class JobFailure extends ServiceException {

    private static final long serialVersionUID = 1L;

    public JobFailure(ErrorCode code, String message) {
        super(code, message);
    }

    public JobFailure(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
