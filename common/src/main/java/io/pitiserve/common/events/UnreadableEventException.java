package io.pitiserve.common.events;

/** A record that is not a valid event of a known type; it goes to the dead-letter topic. */
public class UnreadableEventException extends Exception {

    public UnreadableEventException(String message) {
        super(message);
    }

    public UnreadableEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
