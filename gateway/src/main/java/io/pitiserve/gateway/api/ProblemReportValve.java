package io.pitiserve.gateway.api;

import java.io.IOException;
import java.io.Writer;

import jakarta.servlet.RequestDispatcher;


import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Tomcat's error report as RFC 9457 Problem Details, for what the container refuses before the
 * application sees a request (a malformed request line or header, a header too large, a path
 * Tomcat will not map) and for what the application left without a body. The detail is one of a few
 * fixed sentences: nothing of the request is echoed, and no stack trace or server version is shown.
 */
public class ProblemReportValve extends ErrorReportValve {

    private static final String TOO_LARGE = "Request header is too large";

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        // getBytesWritten(false): what the application put in the response, sent yet or still buffered.
        if (status < 400 || response.getBytesWritten(false) > 0 || !response.setErrorReported()) {
            return;
        }
        if (status == 400 && headerTooLarge(request, throwable)) {
            status = 431;
            response.setStatus(status);
        }
        String detail = switch (status) {
            case 400 -> "the request is not well-formed HTTP (request line, headers, path or body framing)";
            case 404 -> "no such route";
            case 408 -> "the request took too long to arrive";
            case 413 -> "the request body is larger than the gateway accepts";
            case 414 -> "the request path is longer than the gateway accepts";
            case 431 -> "the request headers are larger than the gateway accepts";
            default -> status >= 500 ? "the gateway failed to answer this request" : "the request was refused";
        };
        String body = "{\"type\":\"about:blank\",\"title\":\"" + ProblemCodes.title(status) + "\",\"status\":" + status
                + ",\"detail\":\"" + detail + "\",\"code\":\"" + ProblemCodes.forStatus(status) + "\"}";
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // The client is gone or the response cannot take a body; nothing more to tell.
        }
    }

    private static boolean headerTooLarge(Request request, Throwable throwable) {
        Object exception = throwable != null ? throwable : request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        return exception instanceof Throwable t && t.getMessage() != null && t.getMessage().contains(TOO_LARGE);
    }
}
