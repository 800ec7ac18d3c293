package io.pitiserve.gateway.api;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.ServletException;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;
import org.apache.coyote.InputBuffer;

/**
 * Tomcat's part of the HTTP edge, for every request with a body:
 * <ul>
 *   <li>the body is read through a {@link MinimumRateInputBuffer}, so a body that trickles in is
 *       cut off instead of holding a request thread;</li>
 *   <li>a body the application did not read to its end (a request refused from its headers, or
 *       cut off) is not drained: the connection is closed after the answer. Draining a slow
 *       client's body would hold the thread as long as reading it.</li>
 * </ul>
 */
final class BodyGuardValve extends ValveBase {

    private final long minBytesPerSecond;
    private final long graceNanos;

    BodyGuardValve(long minBytesPerSecond, Duration grace) {
        super(true);
        this.minBytesPerSecond = minBytesPerSecond;
        this.graceNanos = grace.toNanos();
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        org.apache.coyote.Request coyote = request.getCoyoteRequest();
        boolean body = coyote.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
        if (!body) {
            getNext().invoke(request, response);
            return;
        }
        InputBuffer original = coyote.getInputBuffer();
        if (minBytesPerSecond > 0) {
            coyote.setInputBuffer(new MinimumRateInputBuffer(original, minBytesPerSecond, graceNanos));
        }
        try {
            getNext().invoke(request, response);
        } finally {
            coyote.setInputBuffer(original);
            AtomicBoolean fullyRead = new AtomicBoolean();
            coyote.action(ActionCode.REQUEST_BODY_FULLY_READ, fullyRead);
            if (!fullyRead.get()) {
                boolean answered = response.isCommitted() || response.getBytesWritten(false) > 0;
                if (answered && !request.isAsync()) {
                    response.flushBuffer();
                }
                coyote.action(ActionCode.DISABLE_SWALLOW_INPUT, null);
                if (answered) {
                    // Tomcat takes the closing for an error and would render its error page after the
                    // answer (reading the body again to dispatch it): the answer is the report.
                    response.setErrorReported();
                }
            }
        }
    }
}
