package io.pitiserve.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ServerSentEventParserTest {

    private final ServerSentEventParser parser = new ServerSentEventParser();

    private List<ServerSentEventParser.Event> feed(String... lines) {
        List<ServerSentEventParser.Event> events = new ArrayList<>();
        for (String line : lines) {
            ServerSentEventParser.Event event = parser.line(line);
            if (event != null) {
                events.add(event);
            }
        }
        return events;
    }

    @Test
    void dataLinesAreJoinedWithLineFeedsAndDispatchedOnAnEmptyLine() {
        List<ServerSentEventParser.Event> events = feed("event: progress", "id: 7", "data: {\"a\":", "data:1}", "");

        assertThat(events).containsExactly(new ServerSentEventParser.Event("7", "progress", "{\"a\":\n1}"));
    }

    @Test
    void anEventWithoutANameIsAMessageAndTheIdCarriesOverUntilChanged() {
        List<ServerSentEventParser.Event> events = feed("id: 3", "data: x", "", "data: y", "", "id", "data: z", "");

        assertThat(events).extracting(ServerSentEventParser.Event::id).containsExactly("3", "3", "");
        assertThat(events).extracting(ServerSentEventParser.Event::name).containsOnly("message");
        assertThat(parser.lastEventId()).isEmpty();
    }

    @Test
    void commentsUnknownFieldsAndBlocksWithoutDataDispatchNothing() {
        List<ServerSentEventParser.Event> events = feed(": keep-alive", "", "event: running", "id: 4", "",
                "colour: blue", "data:  one space is dropped", "");

        assertThat(events).containsExactly(new ServerSentEventParser.Event("4", "message",
                " one space is dropped"));
    }

    @Test
    void retryTakesDigitsOnlyAndAnIdHoldingNulIsIgnored() {
        feed("retry: 250", "retry: 2s", "id: 9", "id: 1\u00002", "data: x", "");

        assertThat(parser.retryMillis()).isEqualTo(250L);
        assertThat(parser.lastEventId()).isEqualTo("9");
    }

    @Test
    void anEventTheStreamsEndCutShortIsDiscardedAndItsIdIsNotTheLastEventId() {
        feed("id: 1", "data: x", "", "id: 2", "data: y");
        parser.endOfStream();

        assertThat(parser.lastEventId()).isEqualTo("1");
        assertThat(feed("data: z", "")).containsExactly(new ServerSentEventParser.Event("2", "message", "z"));
    }

    @Test
    void aByteOrderMarkAtTheStartIsDropped() {
        List<ServerSentEventParser.Event> events = feed("\uFEFFdata: x", "");

        assertThat(events).containsExactly(new ServerSentEventParser.Event("", "message", "x"));
    }
}
