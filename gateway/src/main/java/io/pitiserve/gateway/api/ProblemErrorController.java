package io.pitiserve.gateway.api;

import java.net.URI;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;


import io.swagger.v3.oas.annotations.Hidden;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The servlet container's error page ({@code /error}) as Problem Details, in place of Spring Boot's
 * error JSON: what the container or a filter answered with {@code sendError}, or an exception that
 * escaped before Spring MVC's handlers (a broken chunked body, a body cut off for being too slow).
 */
@Hidden
@RestController
public class ProblemErrorController implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    public ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer value && value >= 400 ? value : 500;
        Throwable exception = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable t ? t : null;
        String problemCode = ProblemCodes.forStatus(status);
        String detail = status >= 500 ? "the gateway failed to answer this request" : "the request was refused";
        if (causedBy(exception, BodyTooSlowException.class)) {
            status = 408;
            problemCode = "body_too_slow";
            detail = "the request body arrived too slowly; the gateway stopped reading it";
        } else if (status == 400) {
            detail = "the request is not well-formed HTTP (headers, path or body framing)";
        }
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(status), detail);
        body.setTitle(ProblemCodes.title(status));
        if (request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String uri && uri.length() <= 256) {
            try {
                body.setInstance(URI.create(uri));
            } catch (IllegalArgumentException e) {
                // Not a URI that can be echoed: leave it out.
            }
        }
        body.setProperty("code", problemCode);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
    }

    public static boolean causedBy(Throwable exception, Class<? extends Throwable> type) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
