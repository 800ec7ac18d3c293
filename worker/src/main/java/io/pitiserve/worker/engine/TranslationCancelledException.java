package io.pitiserve.worker.engine;

/** The job was cancelled between two steps; nothing of it is kept. */
public class TranslationCancelledException extends RuntimeException {

    public TranslationCancelledException(String message) {
        super(message);
    }
}
