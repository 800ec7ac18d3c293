package io.pitiserve.gateway.api;

import java.net.URI;

import jakarta.servlet.http.HttpServletRequest;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.status.StatusViewUnavailableException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.exc.StreamReadException;

/**
 * Turns every failure into RFC 9457 Problem Details with a stable {@code code} member. Spring's
 * own errors (unsupported media type, unreadable body, unknown route) keep Spring's generic
 * wording and get a code; anything unexpected is logged once here and answered as
 * {@code internal_error} without its message.
 */
@RestControllerAdvice
public class ProblemHandling extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandling.class);

    private final GatewayProperties properties;

    public ProblemHandling(GatewayProperties properties) {
        this.properties = properties;
    }

    /**
     * Every refusal of piti-serve's own, from the edge filter to the input validators: the status is
     * the code's ({@link ProblemStatus}), the detail is the exception's message, written for clients.
     */
    @ExceptionHandler(ServiceException.class)
    ResponseEntity<ProblemDetail> refused(ServiceException problem, HttpServletRequest request) {
        HttpStatus status = ProblemStatus.of(problem.code());
        ProblemDetail body = problem(status, problem.code(), problem.getMessage(), request);
        problem.members().forEach(body::setProperty);
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status);
        if (status == HttpStatus.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"pitiserve\"");
        }
        if (problem.retryAfter() != null) {
            long seconds = problem.retryAfter().toSeconds() + (problem.retryAfter().toNanosPart() > 0 ? 1 : 0);
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, seconds)));
        }
        return response.body(body);
    }

    /** A multipart body that cannot be parsed: no boundary, a wrong one, or one that ends early. */
    @ExceptionHandler(MultipartException.class)
    ResponseEntity<ProblemDetail> malformedMultipart(MultipartException e, HttpServletRequest request) {
        if (ProblemErrorController.causedBy(e, BodyTooSlowException.class)) {
            return ResponseEntity.status(HttpStatus.REQUEST_TIMEOUT).header(HttpHeaders.CONNECTION, "close")
                    .body(problem(HttpStatus.REQUEST_TIMEOUT, ErrorCode.BODY_TOO_SLOW, "the request body arrived too slowly;"
                            + " the gateway stopped reading it", request));
        }
        log.info("malformed multipart body on {}: {}", request.getRequestURI(), e.getMessage());
        return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, ErrorCode.MALFORMED_MULTIPART,
                "the multipart/form-data body cannot be read: it must use the boundary of its Content-Type and end"
                        + " with the closing boundary", request));
    }

    @ExceptionHandler(StatusViewUnavailableException.class)
    ResponseEntity<ProblemDetail> statusViewUnavailable(StatusViewUnavailableException e, HttpServletRequest request) {
        log.warn("status view unavailable: {}", e.getMessage());
        return refused(ServiceException.unavailable("the gateway's job index is not ready; retry later",
                properties.retryAfter()), request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request) {
        log.error("unexpected failure answering {} {}", request.getMethod(), request.getRequestURI(), e);
        return ResponseEntity.internalServerError().body(problem(HttpStatus.INTERNAL_SERVER_ERROR, ErrorCode.INTERNAL_ERROR,
                "the gateway failed to answer this request; try again, and report it if it persists", request));
    }

    @Override
    protected ResponseEntity<Object> handleMaxUploadSizeExceededException(MaxUploadSizeExceededException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
                "the upload is larger than the gateway accepts; the input file may be at most "
                        + properties.maxInputSize().toBytes() + " bytes");
        body.setProperty("code", ErrorCode.INPUT_TOO_LARGE.wire());
        return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(body);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        if (ex.getMostSpecificCause() instanceof StreamReadException read
                && read.getOriginalMessage() != null && read.getOriginalMessage().startsWith("Duplicate ")) {
            ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "the JSON body has a"
                    + " member twice (" + read.getOriginalMessage() + "); every member may appear once");
            body.setProperty("code", ErrorCode.DUPLICATE_KEY.wire());
            return handleExceptionInternal(ex, body, headers, HttpStatus.BAD_REQUEST, request);
        }
        return super.handleHttpMessageNotReadable(ex, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode statusCode, WebRequest request) {
        if (body == null && ex instanceof ErrorResponse error) {
            // Spring passes no body for its own exceptions and builds it later; build it here to add the code.
            body = error.updateAndGetBody(getMessageSource(), LocaleContextHolder.getLocale());
        }
        if (body instanceof ProblemDetail detail && (detail.getProperties() == null
                || !detail.getProperties().containsKey("code"))) {
            detail.setProperty("code", codeOf(statusCode));
        }
        return super.handleExceptionInternal(ex, body, headers, statusCode, request);
    }

    private static String codeOf(HttpStatusCode status) {
        return switch (status.value()) {
            // Spring's 400s are about the content (an unreadable JSON body, a missing part), not HTTP framing.
            case 400 -> ErrorCode.INVALID_REQUEST.wire();
            case 413 -> ErrorCode.INPUT_TOO_LARGE.wire();
            default -> ProblemCodes.forStatus(status.value());
        };
    }

    private static ProblemDetail problem(HttpStatus status, ErrorCode code, String detail, HttpServletRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setInstance(URI.create(request.getRequestURI()));
        body.setProperty("code", code.wire());
        return body;
    }
}
