package io.pitiserve.worker.engine;

/** A model directory that cannot be used: missing files, wrong checksums, unreadable manifest. */
public class ModelLoadException extends RuntimeException {

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
