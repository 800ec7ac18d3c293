package io.pitiserve.gateway.api;

import java.net.URI;

import jakarta.servlet.http.HttpServletRequest;

import io.pitiserve.common.image.InvalidInputException;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.status.StatusViewUnavailableException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

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

    @ExceptionHandler(ApiProblem.class)
    ResponseEntity<ProblemDetail> apiProblem(ApiProblem problem, HttpServletRequest request) {
        ProblemDetail body = problem(problem.status(), problem.code(), problem.detail(), request);
        problem.properties().forEach(body::setProperty);
        ResponseEntity.BodyBuilder response = ResponseEntity.status(problem.status());
        if (problem.status() == HttpStatus.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"pitiserve\"");
        }
        if (problem.retryAfter() != null) {
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, problem.retryAfter().toSeconds())));
        }
        return response.body(body);
    }

    @ExceptionHandler(InvalidInputException.class)
    ResponseEntity<ProblemDetail> invalidInput(InvalidInputException e, HttpServletRequest request) {
        // The common validators write their messages for clients: they name the pixel, the limit, the format.
        return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, e.code(), e.getMessage(), request));
    }

    @ExceptionHandler(StatusViewUnavailableException.class)
    ResponseEntity<ProblemDetail> statusViewUnavailable(StatusViewUnavailableException e, HttpServletRequest request) {
        log.warn("status view unavailable: {}", e.getMessage());
        return apiProblem(ApiProblem.unavailable("the gateway's job index is not ready; retry later",
                properties.retryAfter()), request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request) {
        log.error("unexpected failure answering {} {}", request.getMethod(), request.getRequestURI(), e);
        return ResponseEntity.internalServerError().body(problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error",
                "the gateway failed to answer this request; try again, and report it if it persists", request));
    }

    @Override
    protected ResponseEntity<Object> handleMaxUploadSizeExceededException(MaxUploadSizeExceededException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                "the upload is larger than the gateway accepts; the input file may be at most "
                        + properties.maxInputSize().toBytes() + " bytes");
        body.setProperty("code", "input_too_large");
        return ResponseEntity.badRequest().body(body);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode statusCode, WebRequest request) {
        if (body instanceof ProblemDetail detail && (detail.getProperties() == null
                || !detail.getProperties().containsKey("code"))) {
            detail.setProperty("code", codeOf(statusCode));
        }
        return super.handleExceptionInternal(ex, body, headers, statusCode, request);
    }

    private static String codeOf(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> "invalid_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 413 -> "input_too_large";
            case 415 -> "unsupported_media_type";
            case 503 -> "unavailable";
            default -> status.is5xxServerError() ? "internal_error" : "invalid_request";
        };
    }

    private static ProblemDetail problem(HttpStatus status, String code, String detail, HttpServletRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setInstance(URI.create(request.getRequestURI()));
        body.setProperty("code", code);
        return body;
    }
}
