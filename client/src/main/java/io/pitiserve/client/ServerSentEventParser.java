package io.pitiserve.client;

/**
 * Parses a {@code text/event-stream} line by line, as the HTML Living Standard's event-stream
 * interpretation says: {@code data} lines are joined with line feeds, the event is dispatched on
 * an empty line, {@code id} persists until changed (an id holding NUL is ignored) and counts as the
 * last event id from the next empty line on, {@code retry} takes digits only, comments and unknown
 * fields are skipped, one space after the colon is dropped, and an event the stream's end cut
 * short is discarded. One parser serves the successive connections of one stream; not thread-safe.
 */
final class ServerSentEventParser {

    /** One dispatched event; {@code name} is {@code message} when the stream named none. */
    record Event(String id, String name, String data) {
    }

    private final StringBuilder data = new StringBuilder();
    private String name = "";
    private String idBuffer = "";
    private String lastEventId = "";
    private Long retryMillis;
    private boolean first = true;

    /**
     * Takes one line (without its line ending).
     *
     * @return the event this line dispatched, or null
     */
    Event line(String line) {
        if (first) {
            first = false;
            if (line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
        }
        if (line.isEmpty()) {
            return dispatch();
        }
        if (line.startsWith(":")) {
            return null;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> data.append(value).append('\n');
            case "event" -> name = value;
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    idBuffer = value;
                }
            }
            case "retry" -> {
                if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    try {
                        retryMillis = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        // more digits than a long: not a usable delay
                    }
                }
            }
            default -> {
                // unknown fields are ignored
            }
        }
        return null;
    }

    /** The connection ended: an event not completed by an empty line is discarded. */
    void endOfStream() {
        data.setLength(0);
        name = "";
        first = true;
    }

    /** The id of the last event that set one: what a reconnection sends as {@code Last-Event-ID}. */
    String lastEventId() {
        return lastEventId;
    }

    /** The reconnection delay the stream asked for ({@code retry}), or null. */
    Long retryMillis() {
        return retryMillis;
    }

    private Event dispatch() {
        lastEventId = idBuffer;
        if (data.length() == 0) {
            name = "";
            return null;
        }
        data.setLength(data.length() - 1);
        Event event = new Event(lastEventId, name.isEmpty() ? "message" : name, data.toString());
        data.setLength(0);
        name = "";
        return event;
    }
}
