package io.pitiserve.worker.scheduler;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;

/** The job's deadline passed before it finished; it was dropped at the next step boundary. */
public class DeadlineExceededException extends ServiceException {

    public DeadlineExceededException(String message) {
        super(ErrorCode.DEADLINE_EXCEEDED, message);
    }
}
