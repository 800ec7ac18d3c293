package io.pitiserve.worker.engine;

/**
 * The job was stopped because the worker is stopping, not because anyone cancelled it: it gets no
 * terminal outcome here and is delivered again (to this worker after a restart, or to another).
 */
public class WorkerStoppingException extends TranslationCancelledException {

    public WorkerStoppingException(String message) {
        super(message);
    }
}
